# Regenerates tests/fixtures/network/reference.json: network meta-analyses fitted by metafor's
# rma.mv (contrast-based, multi-arm covariance, common tau^2 with rho = 1/2), the reference
# implementation trialcli's stats/network.py is checked against.
#   Rscript tests/reference/network.R > tests/fixtures/network/reference.json
# metafor 3.8-1 on R 4.2 wrote the stored file. Data: metafor's own data sets
# dat.hasselblad1998 (smoking cessation, Hasselblad 1998; two three-arm trials) and
# dat.senn2013 (glucose-lowering drugs, Senn et al. 2013; one three-arm trial).
suppressPackageStartupMessages(library(metafor))

json_num <- function(x) if (is.na(x)) "null" else formatC(x, digits = 12, format = "g")
json_vec <- function(x) paste0("[", paste(sapply(x, json_num), collapse = ", "), "]")

# arms: data.frame(study, trt, and either xi/ni (events) or mi/sdi/ni (means)); levels: the
# treatments in order, the first the network's reference.
contrasts <- function(arms, levels, measure) {
  rows <- list(); blocks <- list()
  for (s in unique(arms$study)) {
    a <- arms[arms$study == s, ]
    a <- a[order(match(a$trt, levels)), ]
    if (measure == "OR") {
      events <- a$xi; total <- a$ni
      if (any(events == 0 | events == total)) { events <- events + 0.5; total <- total + 1 }
      est <- log(events / (total - events)); var <- 1 / events + 1 / (total - events)
    } else {
      est <- a$mi; var <- a$sdi^2 / a$ni
    }
    k <- nrow(a) - 1
    for (j in 2:nrow(a)) rows[[length(rows) + 1]] <- data.frame(
      study = s, design = paste(a$trt, collapse = ":"), t1 = a$trt[j], t2 = a$trt[1],
      yi = est[j] - est[1])
    v <- matrix(var[1], k, k); diag(v) <- var[1] + var[2:nrow(a)]
    blocks[[length(blocks) + 1]] <- v
  }
  d <- do.call(rbind, rows)
  X <- matrix(0, nrow(d), length(levels) - 1, dimnames = list(NULL, levels[-1]))
  for (i in seq_len(nrow(d))) {
    if (d$t1[i] != levels[1]) X[i, d$t1[i]] <- 1
    if (d$t2[i] != levels[1]) X[i, d$t2[i]] <- -1
  }
  d$comp <- paste(d$t1, d$t2)
  list(d = d, V = bldiag(blocks), X = X)
}

q_within <- function(cb) {
  q <- 0; df <- 0
  for (g in unique(cb$d$design)) {
    idx <- which(cb$d$design == g)
    # The design's own effects: its treatments against its first one (the global
    # reference's columns would be rank-deficient for a design without it).
    own <- strsplit(g, ":")[[1]]
    Xg <- matrix(0, length(idx), length(own) - 1, dimnames = list(NULL, own[-1]))
    for (r in seq_along(idx)) Xg[r, cb$d$t1[idx[r]]] <- 1
    if (length(idx) > ncol(Xg)) {
      fit <- rma.mv(cb$d$yi[idx], cb$V[idx, idx, drop = FALSE], mods = Xg, intercept = FALSE)
      q <- q + fit$QE; df <- df + length(idx) - ncol(Xg)
    }
  }
  c(q, df)
}

fit_network <- function(name, arms, levels, measure) {
  cb <- contrasts(arms, levels, measure)
  d <- cb$d
  re <- rma.mv(d$yi, cb$V, mods = cb$X, intercept = FALSE, random = ~ comp | study,
               rho = 1/2, data = d, method = "REML")
  ce <- rma.mv(d$yi, cb$V, mods = cb$X, intercept = FALSE)
  qw <- q_within(cb)
  effects <- function(fit) {
    out <- c()
    b <- c(0, as.vector(fit$beta)); S <- rbind(0, cbind(0, fit$vb))
    for (i in seq_along(levels)) for (j in seq_along(levels)) if (i != j) {
      est <- b[i] - b[j]; se <- sqrt(S[i, i] + S[j, j] - 2 * S[i, j])
      out <- c(out, sprintf('{"treatment": "%s", "vs": "%s", "log_estimate": %s, "se": %s}',
                            levels[i], levels[j], json_num(est), json_num(se)))
    }
    paste0("[", paste(out, collapse = ",\n      "), "]")
  }
  cat(sprintf('  "%s": {\n    "measure": "%s",\n    "treatments": [%s],\n', name, measure,
              paste0('"', levels, '"', collapse = ", ")))
  cat(sprintf('    "contrasts": %d,\n    "studies": %d,\n', nrow(d), length(unique(d$study))))
  cat(sprintf('    "tau2_reml": %s,\n', json_num(re$tau2)))
  cat(sprintf('    "q_total": %s,\n    "q_total_df": %d,\n', json_num(ce$QE), ce$k - ce$p))
  cat(sprintf('    "q_within": %s,\n    "q_within_df": %d,\n', json_num(qw[1]), qw[2]))
  cat(sprintf('    "random_reml": %s,\n', effects(re)))
  cat(sprintf('    "common": %s\n  }', effects(ce)))
}

h <- dat.hasselblad1998
cat("{\n")
fit_network("hasselblad1998", data.frame(study = h$study, trt = h$trt, xi = h$xi, ni = h$ni),
            c("no_contact", "self_help", "ind_counseling", "grp_counseling"), "OR")
cat(",\n")
s <- dat.senn2013
fit_network("senn2013", data.frame(study = s$study, trt = s$treatment, mi = s$mi, sdi = s$sdi,
                                   ni = s$ni),
            c("placebo", sort(setdiff(unique(s$treatment), "placebo"))), "MD")
cat(",\n")
# Two treatments only: the network is a pairwise meta-analysis, so its DerSimonian-Laird
# tau^2 must equal rma()'s (Jackson, White & Riley's multivariate DL reduces to it).
pair <- h[h$study %in% h$study[h$trt == "self_help"] & h$trt %in% c("no_contact", "self_help"), ]
pair <- pair[pair$study %in% names(which(table(pair$study) == 2)), ]
cb <- contrasts(data.frame(study = pair$study, trt = pair$trt, xi = pair$xi, ni = pair$ni),
                c("no_contact", "self_help"), "OR")
dl <- rma(cb$d$yi, diag(cb$V), method = "DL")
cat(sprintf('  "pairwise_dl": {"studies": %s, "tau2": %s, "log_estimate": %s, "se": %s}\n',
            json_vec(unique(cb$d$study)), json_num(dl$tau2), json_num(dl$beta[1]), json_num(dl$se)))
cat("}\n")

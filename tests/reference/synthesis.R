# Regenerates tests/reference/synthesis.json: metafor's results for the conventions of
# `compare --pool` and its sensitivity analyses (docs/pooling.md), the reference
# tests/test_synthesis_reference.py checks trialcli.stats.meta and trialcli.ops.sensitivity
# against.
#   Rscript tests/reference/synthesis.R > tests/reference/synthesis.json
# Data: metafor's dat.bcg (13 BCG trials, log risk ratios, with each trial's allocation and
# year), and the alemtuzumab trials' reported ratios as the study files in data/ record them
# (each SE from its 95% CI: (ln upper - ln lower) / (2 * 1.959964)).
suppressPackageStartupMessages(library(metafor))

num <- function(x) if (is.null(x) || is.na(x)) "null" else formatC(x, digits = 15, format = "g")
vec <- function(x) paste0("[", paste(sapply(x, num), collapse = ", "), "]")
str_vec <- function(x) paste0("[", paste0('"', x, '"', collapse = ", "), "]")

fit <- function(res) {
  sprintf(paste0('{"estimate": %s, "se": %s, "zval": %s, "pval": %s, "ci_lb": %s, ',
                 '"ci_ub": %s, "tau2": %s, "I2": %s, "QE": %s, "QEp": %s}'),
          num(res$beta[1]), num(res$se), num(res$zval), num(res$pval), num(res$ci.lb),
          num(res$ci.ub), num(res$tau2), num(res$I2), num(res$QE), num(res$QEp))
}

fits <- function(yi, vi) {
  out <- c()
  for (m in c("FE", "DL", "REML", "PM")) {
    out <- c(out, sprintf('"%s": %s', m, fit(rma(yi, vi, method = m))))
    if (m != "FE") {
      out <- c(out, sprintf('"%s_knha": %s', m, fit(rma(yi, vi, method = m, test = "knha"))))
      out <- c(out, sprintf('"%s_adhoc": %s', m, fit(rma(yi, vi, method = m, test = "adhoc"))))
    }
  }
  paste0("{", paste(out, collapse = ",\n      "), "}")
}

se_ci <- function(lower, upper) (log(upper) - log(lower)) / (2 * qnorm(0.975))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
# dat.hine1989 (lidocaine, six trials, log risk ratios): homogeneous, so plain Hartung-Knapp
# comes out narrower than the standard CI and the ad hoc variant does not.
hine <- escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)

# Alemtuzumab vs IFN beta-1a: annualized relapse rate, rate ratios (CARE-MS I, II; 2 years).
arr <- data.frame(study = c("CARE-MS I", "CARE-MS II"), est = c(0.45, 0.51),
                  lb = c(0.32, 0.39), ub = c(0.63, 0.65))
# Sustained accumulation of disability, hazard ratios (CAMMS223 36 months; CARE-MS I, II 2 years).
sad <- data.frame(study = c("CAMMS223", "CARE-MS I", "CARE-MS II"), year = c(2002, 2007, 2007),
                  est = c(0.29, 0.70, 0.58), lb = c(0.16, 0.40, 0.38), ub = c(0.54, 1.23, 0.87))
for (d in c("arr", "sad")) {
  x <- get(d); x$yi <- log(x$est); x$vi <- se_ci(x$lb, x$ub)^2; assign(d, x)
}

# Subgroups: random effects (REML) within each allocation, then the test for subgroup
# differences: Q of the subgroup estimates with fixed-effect weights 1/SE^2 (as RevMan).
groups <- unique(bcg$alloc)
sub <- lapply(groups, function(g) rma(yi, vi, data = bcg, subset = alloc == g, method = "REML"))
between <- rma(sapply(sub, function(r) r$beta[1]), sei = sapply(sub, function(r) r$se),
               method = "FE")

l1o <- leave1out(rma(yi, vi, data = sad, method = "REML"))
# Cumulative, oldest first (the rows of sad are in order of their start: 2002, 2007-08, 2007-10).
cum <- cumul(rma(yi, vi, data = sad, method = "REML"))
# Subgroups by follow-up: CAMMS223 (36 months) alone, CARE-MS I and II (2 years) by REML.
care <- rma(yi, vi, data = sad, subset = 2:3, method = "REML")
follow <- rma(c(sad$yi[1], care$beta[1]), sei = c(sqrt(sad$vi[1]), care$se), method = "FE")

cat("{\n")
cat(sprintf('  "metafor": "%s",\n', as.character(packageVersion("metafor"))))
cat(sprintf('  "bcg": {"yi": %s,\n    "vi": %s,\n    "alloc": %s,\n    "year": %s,\n',
            vec(bcg$yi), vec(bcg$vi), str_vec(bcg$alloc), vec(bcg$year)))
cat(sprintf('    "fits": %s},\n', fits(bcg$yi, bcg$vi)))
cat(sprintf('  "hine": {"yi": %s, "vi": %s,\n    "fits": %s},\n', vec(hine$yi), vec(hine$vi),
            fits(hine$yi, hine$vi)))
cat(sprintf('  "arr": {"yi": %s, "vi": %s,\n    "fits": %s},\n', vec(arr$yi), vec(arr$vi),
            fits(arr$yi, arr$vi)))
cat(sprintf('  "sad": {"yi": %s, "vi": %s,\n    "fits": %s},\n', vec(sad$yi), vec(sad$vi),
            fits(sad$yi, sad$vi)))
cat(sprintf('  "subgroups": {"groups": %s, "estimates": %s, "se": %s, "tau2": %s,\n',
            str_vec(groups), vec(sapply(sub, function(r) r$beta[1])),
            vec(sapply(sub, function(r) r$se)), vec(sapply(sub, function(r) r$tau2))))
cat(sprintf('    "Q_between": %s, "df": %d, "p": %s},\n', num(between$QE), between$k - 1,
            num(between$QEp)))
cat(sprintf('  "leave_one_out_sad_reml": {"omitted": %s, "estimate": %s, "se": %s, "ci_lb": %s, "ci_ub": %s, "tau2": %s, "I2": %s},\n',
            str_vec(sad$study), vec(l1o$estimate), vec(l1o$se), vec(l1o$ci.lb), vec(l1o$ci.ub),
            vec(l1o$tau2), vec(l1o$I2)))
cat(sprintf('  "cumulative_sad_reml": {"added": %s, "estimate": %s, "ci_lb": %s, "ci_ub": %s},\n',
            str_vec(sad$study), vec(cum$estimate), vec(cum$ci.lb), vec(cum$ci.ub)))
cat(sprintf('  "subgroups_sad_follow_up": {"groups": ["36 months", "2 years"], "estimates": %s, "Q_between": %s, "df": %d, "p": %s}\n',
            vec(c(sad$yi[1], care$beta[1])), num(follow$QE), follow$k - 1, num(follow$QEp)))
cat("}\n")

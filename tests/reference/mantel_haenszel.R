# Regenerates tests/reference/mantel_haenszel.json: Mantel–Haenszel pooling of metafor's dat.bcg
# (13 BCG vaccine trials) by metafor's rma.mh, the reference for stats/meta.py's
# mantel_haenszel, whose Q is centred on the MH estimate as rma.mh's QE is.
#   Rscript tests/reference/mantel_haenszel.R > tests/reference/mantel_haenszel.json
# Stored values from R 4.2.2, metafor 3.8-1; they equal those metafor's own test suite pins
# (tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r, checked there against Stata's metan).
suppressPackageStartupMessages(library(metafor))
fmt <- function(x) formatC(x, digits = 4, format = "f")
one <- function(measure) {
  res <- rma.mh(measure = measure, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  sprintf('"%s": {"estimate": %s, "ci_lb": %s, "ci_ub": %s, "QE": %s}',
          measure, fmt(res$beta), fmt(res$ci.lb), fmt(res$ci.ub), fmt(res$QE))
}
cat("{\n  \"source\": \"metafor rma.mh(measure, ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)\",\n")
cat("  ", one("RR"), ",\n  ", one("OR"), "\n}\n", sep = "")

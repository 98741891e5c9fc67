# Reference for tests/test_sof.py: CARE-MS I and II "patients with a relapse" (n/N from
# data/care-ms-i.yaml and data/care-ms-ii.yaml), log risk ratios pooled by REML, as the SoF
# pools every row. Regenerate: Rscript tests/reference/sof_relapse_proportion.R
library(metafor)
r <- rma(measure = "RR", ai = c(82, 147), n1i = c(376, 426), ci = c(75, 104), n2i = c(187, 202),
         method = "REML")
cat(sprintf('{"metafor": "%s", "rr": %.10f, "ci": [%.10f, %.10f], "tau2": %.10f}\n',
            packageVersion("metafor"), exp(r$b), exp(r$ci.lb), exp(r$ci.ub), r$tau2),
    file = "tests/reference/sof_relapse_proportion.json")

# Findings, complaints, sampling and the audit chain arrive with the compliance issue.

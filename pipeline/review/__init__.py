"""Human review of extracted fields: the `explain` page, the review queue UI, exchange files
and retraining on corrections."""

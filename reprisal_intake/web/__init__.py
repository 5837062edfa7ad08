"""Web plumbing shared by the intake and the admin app: headers, errors, rate limits, i18n."""

"""The local console: the real Bolt app driven with signed requests, no Slack account needed.

Also the Slack Web API stand-in (`local_slack`) that tests and the console share."""

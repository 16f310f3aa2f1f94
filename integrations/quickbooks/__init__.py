"""The QuickBooks Online adapter: Intuit's OAuth 2.0 token endpoint and the Accounting API.

Plain HTTP with `requests` rather than `intuit-oauth`: Intuit's flow here is two form POSTs
to one token endpoint, and intuit-oauth fixes its endpoints to Intuit's (it reads a
discovery document from Intuit), so it could not be pointed at `CRM_INTUIT_TOKEN_URL` and a
local stand-in; python-quickbooks would add a second HTTP stack for two API calls."""

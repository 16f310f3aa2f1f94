"""Leads and the deal pipeline: inquiries captured, qualified, converted, won or lost.

Also the quick-capture grammar, plain-word requests and the QuickBooks confirmation rule."""

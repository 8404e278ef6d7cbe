"""Pure parsers for the values filings contain: dates, amounts, phone numbers,
credit codes, Wujin towns and working days.

Each parser returns a value of its declared type or raises
`pipeline.errors.ParseError` (carrying the offending text and a Chinese
message) -- never any other exception, and never a guessed value.
"""

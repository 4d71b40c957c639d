"""The judge: grading one submission with the hidden suites.

`pipeline` (stage, run, result), `suites` (collecting and running the hidden suites),
`plugin` (pytest outcomes to points), `checks` (what hidden tests compare with) and
`student` (the proxies through which tests reach student code).
"""

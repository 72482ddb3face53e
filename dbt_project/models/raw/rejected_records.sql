-- Every record or file that could not be landed, with where it was and why.
{{ landing_quarantine(ref('alpaca_cot_landing')) }}

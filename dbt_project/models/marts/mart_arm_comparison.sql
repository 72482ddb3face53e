-- Each experiment arm against the random arm at the same budget and ratio, per evaluation set,
-- language and metric: mean over seeds, the paired mean difference with its 95% t interval over
-- seeds, a verdict, and the real tokens each arm trains on (the arm_comparison macro says how).
{{ arm_comparison(ref('mart_eval_results'), ref('mart_arm_mixes')) }}

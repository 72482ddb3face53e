-- The training mix by language and source collection: samples, tokens, share of response tokens.
select lang, source_collection, count(*) as n_samples, sum(n_tokens) as n_tokens,
       round(sum(n_response_tokens) / sum(n_prompt_tokens + n_response_tokens), 3) as response_token_share
from {{ ref('mart_training_mix') }}
group by all
order by lang, n_tokens desc

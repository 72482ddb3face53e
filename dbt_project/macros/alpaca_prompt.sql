{#- The Alpaca prompt template, English and Chinese variants, with and without input: the one
    template of the project (sftmart/prompts.py renders these macros for Python). -#}
{% macro alpaca_prompt(instruction, input, template_lang) -%}
case
    when {{ template_lang }} = 'zh' and coalesce({{ input }}, '') <> '' then
        e'以下是描述任务的指令，以及提供更多上下文的输入。请编写一个恰当完成该请求的回答。\n\n### 指令:\n'
        || {{ instruction }} || e'\n\n### 输入:\n' || {{ input }} || e'\n\n### 回答:\n'
    when {{ template_lang }} = 'zh' then
        e'以下是描述任务的指令。请编写一个恰当完成该请求的回答。\n\n### 指令:\n'
        || {{ instruction }} || e'\n\n### 回答:\n'
    when coalesce({{ input }}, '') <> '' then
        e'Below is an instruction that describes a task, paired with an input that provides further context. '
        || e'Write a response that appropriately completes the request.\n\n### Instruction:\n'
        || {{ instruction }} || e'\n\n### Input:\n' || {{ input }} || e'\n\n### Response:\n'
    else
        e'Below is an instruction that describes a task. '
        || e'Write a response that appropriately completes the request.\n\n### Instruction:\n'
        || {{ instruction }} || e'\n\n### Response:\n'
end
{%- endmacro %}

{#- 'zh' when the instruction or input contains Han characters, else 'en'. -#}
{% macro template_lang(instruction, input) -%}
case when regexp_matches(coalesce({{ instruction }}, '') || coalesce({{ input }}, ''), '\p{Han}') then 'zh' else 'en' end
{%- endmacro %}

{#- The text quality stats, language tagging and dedup look at: the non-empty fields joined by newlines. -#}
{% macro sample_text(instruction, input, output) -%}
concat_ws(chr(10), {{ instruction }}, nullif({{ input }}, ''), {{ output }})
{%- endmacro %}

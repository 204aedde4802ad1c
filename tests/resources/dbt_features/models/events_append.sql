{{ config(materialized='incremental') }}
select {{ var('inc_batch', 1) }} as batch

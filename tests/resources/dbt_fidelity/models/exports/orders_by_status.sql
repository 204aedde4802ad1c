{{ config(materialized='external', options={'partition_by': 'status', 'overwrite_or_ignore': true}) }}
select order_id, status, amount from {{ ref('orders') }}

select id, amount from {{ ref('events') }}

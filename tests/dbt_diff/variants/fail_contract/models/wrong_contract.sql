select id, name from {{ ref('tricky') }}

select id, amount, ratio, name, day from {{ ref('tricky') }}

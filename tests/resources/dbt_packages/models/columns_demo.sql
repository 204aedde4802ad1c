select {{ pkgkit.columns_except(ref('events'), except=['AMOUNT']) }},
       '{{ pkgkit.columns_except(ref('events'), except=['amount']) | replace("'", "") }}' as listed
from {{ ref('events') }}

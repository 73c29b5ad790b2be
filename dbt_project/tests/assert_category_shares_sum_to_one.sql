-- Each household's category shares of wallet add up to 1 (households that spent anything).
select
    run_id,
    household_id,
    sum(share_of_wallet) as total_share
from {{ ref('household_category_spend') }}
where share_of_wallet is not null
group by run_id, household_id
having abs(sum(share_of_wallet) - 1) > 1e-9

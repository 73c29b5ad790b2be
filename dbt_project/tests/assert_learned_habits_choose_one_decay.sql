-- Every learning pass chooses exactly one habit decay (the likeliest), the one the simulator uses.
select
    learn_id,
    sum(case when is_chosen then 1 else 0 end) as n_chosen
from {{ source('learned', 'learned_habits') }}
group by learn_id
having sum(case when is_chosen then 1 else 0 end) <> 1

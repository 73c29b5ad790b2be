"""One typed, validated configuration of a closed-loop evaluation.

Its fields are the evaluation's domain settings (the worlds, the campaign's budget, the
learner); a flow or benchmark passes them and nothing else decides them. Any invalid value
stops before a world is simulated, with a message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..simulation.config import SimulationConfig
from ..simulation.settings import simulation_settings, with_overrides
from ..targeting.campaign_builder import DEFAULT_MENU, Budget
from ..targeting.uplift import REVENUE_LEARNERS
from ..vocabulary.identifiers import check_key_id

WORLD_RUN_ID = "campaign_world"
TRAINING_CAMPAIGN_WEEKS = 4


@dataclass(frozen=True, kw_only=True)
class ClosedLoopConfig:
    """A closed-loop evaluation: campaign worlds (one per seed) and the campaign played back.

    world_households, training_weeks, campaign_weeks, training_campaigns, eligible_share: each
    world's simulated households, weeks of randomized training campaigns, weeks of the played-back
    campaign, how many training campaigns (4 weeks each) and the share of households eligible
    for each (half of them treated). The model learns most from how often it has seen each
    household answer an offer, hence many training campaigns with most households eligible.
    category: whose top products the campaign's coupons cover (None: the market's
    most-penetrated). budget_share, margin_rate, contact_cost, depth_menu: the contact budget
    (share of households), gross margin on incremental revenue, dollars per contact, and the
    coupon depths the builder may choose from. learner: the uplift learner of the model policy.
    base_simulation: the simulation settings every world starts from (its size, weeks, seed and
    training campaigns are the loop's own); None: the committed calibrated default
    (config/simulation.json), read once, when the config is made.
    """

    learn_id: str = "complete_journey"
    evaluation_id: str = "default"
    seeds: tuple[int, ...] = (0, 1, 2)
    world_households: int = 2_000
    training_weeks: int = 26
    campaign_weeks: int = 4
    training_campaigns: int = 30
    eligible_share: float = 0.8
    category: str | None = None
    budget_share: float = 0.2
    margin_rate: float = 0.30
    contact_cost: float = 0.25
    depth_menu: tuple[float, ...] = DEFAULT_MENU
    learner: str = "x_learner"
    base_simulation: SimulationConfig | None = None

    def __post_init__(self) -> None:
        check_key_id("evaluation_id", self.evaluation_id)
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "depth_menu", tuple(float(d) for d in self.depth_menu))
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        if self.world_households < 1:
            raise ValueError(f"world_households = {self.world_households} must be >= 1")
        if self.learner not in REVENUE_LEARNERS:
            raise ValueError(
                f"learner {self.learner!r} is not one of {REVENUE_LEARNERS}, the learners whose "
                "uplift is dollars of incremental revenue (class_transformation's is purchase "
                "probability)"
            )
        if self.training_weeks < 8:
            raise ValueError(
                f"training_weeks = {self.training_weeks} must be >= 8 (history before campaigns)"
            )
        if self.campaign_weeks < 1:
            raise ValueError(f"campaign_weeks = {self.campaign_weeks} must be >= 1")
        if not 0 < self.budget_share <= 1:
            raise ValueError(f"budget_share = {self.budget_share} must lie in (0, 1]")
        if self.base_simulation is None:  # read once: every world starts from this object
            base = simulation_settings(None, None, learn_id=self.learn_id)
            object.__setattr__(self, "base_simulation", base)
        self.world_config(self.seeds[0])  # bad world settings stop here

    @property
    def budget(self) -> Budget:
        """The campaign's budget: ``budget_share`` of a world's households as contacts, the
        menu's depths in increasing order."""
        return Budget(
            max_contacts=int(self.budget_share * self.world_households),
            margin_rate=self.margin_rate,
            contact_cost=self.contact_cost,
            menu=tuple(sorted(self.depth_menu)),
        )

    def world_settings(self) -> dict:
        """Simulation settings of a campaign world (over ``base_simulation``): training
        campaigns of 4 weeks whose coupon depths are drawn from the budget's menu, then the
        playback weeks."""
        return {
            "run_id": WORLD_RUN_ID,
            "learn_id": self.learn_id,
            "n_households": self.world_households,
            "n_weeks": self.training_weeks + self.campaign_weeks,
            "campaigns": {
                "n_campaigns": self.training_campaigns,
                "duration_weeks": TRAINING_CAMPAIGN_WEEKS,
                "eligible_share": self.eligible_share,
                "depth_menu": list(self.budget.menu),
            },
        }

    def world_config(self, seed: int) -> SimulationConfig:
        """The validated simulation config of the world of ``seed``."""
        return with_overrides(self.base_simulation, {**self.world_settings(), "seed": seed})

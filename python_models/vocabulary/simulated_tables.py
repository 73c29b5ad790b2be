"""The raw tables only a simulator writes: shelf prices per product-store-week with their promo
state, the stores' marketing signal, the randomized campaign assignment, each household's true
behavioural parameters and its true expected uplift per campaign. A run of real data has no rows
in them."""

from __future__ import annotations

from .table_definitions import (
    Column,
    ForeignKey,
    Table,
    double_column,
    id_column,
    mailer_location_column,
    money_column,
    week_column,
)

PRICES = Table(
    "prices",
    "Simulated runs only: the chain-wide shelf price of every catalog product in every week, "
    "with its promotion state (displays vary by store and are in promotions).",
    (
        id_column("product_id", "Product."),
        week_column("Week of the study, 1-based."),
        money_column("base_price", "Regular (base) price per unit, dollars."),
        money_column("shelf_price", "Price per unit after the retailer's promotion, dollars."),
        Column(
            "promo_state",
            "VARCHAR",
            nullable=False,
            description="Promotion state: regular, feature, deep or clearance.",
        ),
        Column(
            "discount_depth",
            "DOUBLE",
            nullable=False,
            non_negative=True,
            description="Share of the base price taken off, 0 to 1.",
        ),
        mailer_location_column(),
    ),
    key=("product_id", "week"),
    foreign_keys=(ForeignKey(("product_id",), "products", ("product_id",)),),
    simulation_only=True,
)

MARKETING_SIGNALS = Table(
    "marketing_signals",
    "Simulated runs only: how loudly each store promoted in each week, the signal store visits "
    "respond to (unit-free, mean 0 over the run's store-weeks).",
    (
        id_column("store_id", "Store."),
        week_column("Week of the study, 1-based."),
        double_column(
            "marketing_signal",
            "Weighted sum of the store-week's standardised promotion depth, share of products "
            "promoted, share on display and share in the mailer.",
        ),
    ),
    key=("store_id", "week"),
    foreign_keys=(ForeignKey(("store_id",), "stores", ("store_id",)),),
    simulation_only=True,
)

CAMPAIGN_ASSIGNMENTS = Table(
    "campaign_assignments",
    "Simulated runs only: every household eligible for a campaign and its randomized group; "
    "campaigns lists the treatment group only, as in Complete Journey.",
    (
        id_column("campaign_id", "Campaign."),
        id_column("household_id", "Eligible household."),
        Column(
            "treatment_group",
            "VARCHAR",
            nullable=False,
            description="'treatment' (received the coupons) or 'control' (held out at random).",
        ),
        double_column(
            "coupon_depth",
            "The household's coupon value as a share of each coupon product's base price (drawn "
            "from the campaign's depth menu, or the campaign's fixed depth): the coupons it holds "
            "(treatment) or would have held (control); true_uplift is accounted at this depth.",
        ),
    ),
    key=("campaign_id", "household_id"),
    foreign_keys=(
        ForeignKey(("campaign_id",), "campaign_descriptions", ("campaign_id",)),
        ForeignKey(("household_id",), "households", ("household_id",)),
    ),
    simulation_only=True,
)

HOUSEHOLD_PARAMETERS = Table(
    "household_parameters",
    "Simulated runs only: the true behavioural parameters each household was drawn with.",
    (
        id_column("household_id", "Household."),
        id_column("home_store_id", "The store the household shops at by preference."),
        double_column(
            "price_sensitivity", "Minus the coefficient of log shelf price in product utility."
        ),
        double_column("promo_response", "Utility per unit of discount depth."),
        double_column("display_response", "Utility of an in-store display."),
        double_column("feature_response", "Utility of a mailer feature."),
        double_column("quality_preference", "Utility of a national brand over the store brand."),
        double_column("reference_price_weight", "Weight of the reference-price (gain/loss) term."),
        double_column(
            "gain_sensitivity", "lambda_gain: utility per unit log gain against the reference."
        ),
        double_column("loss_sensitivity", "lambda_loss: utility per unit log loss; > lambda_gain."),
        double_column(
            "visit_propensity", "Logit of the household's base weekly visit probability."
        ),
        double_column(
            "brand_loyalty", "Weight of the household's purchase history in product choice."
        ),
        double_column(
            "coupon_sensitivity", "Multiplier of a coupon's utility and redemption odds."
        ),
        double_column(
            "coupon_use", "Multiplier of the learned share of lines with a manufacturer coupon."
        ),
        double_column("store_loyalty", "Probability that a trip goes to the home store."),
        double_column(
            "left_digit_sensitivity", "Utility lost per whole dollar of the price's left digit."
        ),
        double_column("price_tier_taste", "Utility per price tier step (low -1, mid 0, high +1)."),
        double_column(
            "pack_size_taste", "Utility per pack-size step (small -1, medium 0, large +1)."
        ),
        double_column("stockpiling", "Elasticity of the extra units bought to the discount depth."),
        double_column(
            "discount_claim_rate",
            "Share of the retailer's discounts the household claims (loyalty card shown, offer "
            "clipped): a line of a discounted product is discounted with this probability.",
        ),
        double_column(
            "trip_frequency",
            "Multiplier of the household's extra trips in a week it visits (frequent top-up "
            "shoppers above 1).",
        ),
        double_column(
            "basket_size",
            "Logit added to every category on each trip: households filling big baskets above 0.",
        ),
    ),
    key=("household_id",),
    foreign_keys=(ForeignKey(("household_id",), "households", ("household_id",)),),
    simulation_only=True,
)

TRUE_UPLIFT = Table(
    "true_uplift",
    "Simulated runs only: each eligible household's expected spend on a campaign's coupon "
    "products over the campaign weeks with and without the coupons, computed from the model "
    "(not estimated) at every week's state.",
    (
        id_column("campaign_id", "Campaign."),
        id_column("household_id", "Eligible household (treatment or control)."),
        double_column(
            "expected_spend_treated", "Expected sales value on coupon products if treated."
        ),
        double_column("expected_spend_control", "Expected sales value on coupon products if not."),
        double_column("true_uplift", "expected_spend_treated - expected_spend_control, dollars."),
        double_column("expected_redemptions", "Expected number of coupons redeemed if treated."),
        double_column(
            "expected_coupon_cost",
            "Expected dollars of coupon discount redeemed if treated (what the offer costs).",
        ),
    ),
    key=("campaign_id", "household_id"),
    foreign_keys=(
        ForeignKey(("campaign_id",), "campaign_descriptions", ("campaign_id",)),
        ForeignKey(("household_id",), "households", ("household_id",)),
    ),
    simulation_only=True,
)

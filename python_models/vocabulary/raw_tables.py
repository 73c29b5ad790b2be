"""The canonical raw schema: every table of Complete Journey's shape, each keyed by ``run_id``.

The real data is loaded as one run and every simulation as another, so the same dbt models build on
both. This module only *describes* the tables (names, columns, types, keys, descriptions) and
imports nothing: ``warehouse.ddl`` turns the description into SQL, ``warehouse.validation`` checks
a batch of frames against it, the simulator's raw-table writer (``simulation.raw_tables``) takes
its columns from it, and ``tests/test_schema_docs.py`` holds the dbt sources
(``_raw__sources.yml``) to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RAW_SCHEMA = "raw"
RUN_ID_COLUMN = "run_id"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type of the stored column
    nullable: bool = True
    non_negative: bool = False
    description: str = ""


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)
    # Only a simulator knows these (true parameters, assignment, prices): a run of real data
    # leaves them out and has no rows in them.
    simulation_only: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(name: str, description: str, nullable: bool = False) -> Column:
    return Column(name, "BIGINT", nullable=nullable, description=description)


def _money(name: str, description: str) -> Column:
    return Column(name, "DECIMAL(18,2)", nullable=False, non_negative=True, description=description)


def _text(name: str, description: str) -> Column:
    return Column(name, "VARCHAR", description=description)


def _week(description: str) -> Column:
    return Column("week", "INTEGER", nullable=False, non_negative=True, description=description)


def _mailer_location() -> Column:
    return Column(
        "mailer_location",
        "VARCHAR",
        nullable=False,
        description="Weekly mailer code (Complete Journey's codes): 0 not in the mailer, "
        "A interior page feature, C interior page line item, D front page feature, F back page "
        "feature, H wrap front feature, J wrap interior coupon, L wrap back feature, P interior "
        "page coupon, X free on interior page, Z free on front, back or wrap page.",
    )


HOUSEHOLDS = Table(
    "households",
    "One row per household that shopped in the run, with its demographics where known.",
    (
        _id("household_id", "Household identifier, unique within a run."),
        _text("age", "Age band of the household head, e.g. '35-44'."),
        _text("income", "Income band, e.g. '50-74K'."),
        _text("home_ownership", "Homeowner, Renter, ..."),
        _text("marital_status", "Married or Unmarried."),
        _text("household_size", "Number of people, '5+' for five or more."),
        _text("household_comp", "Household composition, e.g. '2 Adults Kids'."),
        _text("kids_count", "Number of children, '3+' for three or more."),
    ),
    key=("household_id",),
)

PRODUCTS = Table(
    "products",
    "The product catalogue.",
    (
        _id("product_id", "Product identifier, unique within a run."),
        _id("manufacturer_id", "Manufacturer identifier.", nullable=True),
        _text("department", "Department, e.g. GROCERY, PRODUCE, FUEL."),
        _text("brand", "National or Private (store brand)."),
        _text("product_category", "Category, e.g. 'SOFT DRINKS'."),
        _text("product_type", "Sub-category, e.g. 'SOFT DRINKS 12/18&15PK CAN CAR'."),
        _text("package_size", "Pack size as printed, e.g. '12 OZ', '2 LB', '20 CT'."),
    ),
    key=("product_id",),
)

STORES = Table(
    "stores",
    "One row per store of the run.",
    (_id("store_id", "Store identifier, unique within a run."),),
    key=("store_id",),
)

TRANSACTIONS = Table(
    "transactions",
    "Line-level purchases: one row per product in a basket.",
    (
        _id("household_id", "Household that bought."),
        _id("store_id", "Store of the basket."),
        _id(
            "basket_id",
            "Basket (one shopping trip: one household, one store, one checkout) identifier.",
        ),
        _id("product_id", "Product bought."),
        Column(
            "quantity",
            "BIGINT",
            nullable=False,
            non_negative=True,
            description="Units bought (for fuel, gallons).",
        ),
        _money(
            "sales_value",
            "Amount the retailer received for the line, in dollars, after the loyalty-card "
            "discount and including any manufacturer coupon reimbursement.",
        ),
        _money(
            "retail_disc",
            "Loyalty-card (retailer promotion) discount on the line, in dollars, stored positive.",
        ),
        _money(
            "coupon_disc", "Manufacturer coupon discount on the line, in dollars, stored positive."
        ),
        _money(
            "coupon_match_disc",
            "Retailer's match of a manufacturer coupon, in dollars, stored positive.",
        ),
        _week("Week of the study, 1-based (Complete Journey spans weeks 1-53)."),
        Column(
            "transaction_timestamp",
            "TIMESTAMP",
            nullable=False,
            description="When the basket was rung up.",
        ),
    ),
    key=("basket_id", "product_id"),
    foreign_keys=(
        ForeignKey(("household_id",), "households", ("household_id",)),
        ForeignKey(("store_id",), "stores", ("store_id",)),
        ForeignKey(("product_id",), "products", ("product_id",)),
    ),
)

PROMOTIONS = Table(
    "promotions",
    "In-store displays and mailer features per product, store and week.",
    (
        _id("product_id", "Promoted product."),
        _id("store_id", "Store running the promotion."),
        Column(
            "display_location",
            "VARCHAR",
            nullable=False,
            description="In-store display code (Complete Journey's codes): 0 not on display, "
            "1 store front, 2 store rear, 3 front end cap, 4 mid-aisle end cap, 5 rear end cap, "
            "6 side-aisle end cap, 7 in-aisle, 9 secondary location display, A in-shelf.",
        ),
        _mailer_location(),
        _week("Week of the study, 1-based (Complete Journey spans weeks 1-53)."),
    ),
    key=("product_id", "store_id", "week", "display_location", "mailer_location"),
    foreign_keys=(
        ForeignKey(("product_id",), "products", ("product_id",)),
        ForeignKey(("store_id",), "stores", ("store_id",)),
    ),
)

CAMPAIGN_DESCRIPTIONS = Table(
    "campaign_descriptions",
    "One row per marketing campaign.",
    (
        _id("campaign_id", "Campaign identifier."),
        Column("campaign_type", "VARCHAR", nullable=False, description="Type A, Type B or Type C."),
        Column("start_date", "DATE", nullable=False, description="First day of the campaign."),
        Column("end_date", "DATE", nullable=False, description="Last day of the campaign."),
    ),
    key=("campaign_id",),
)

CAMPAIGNS = Table(
    "campaigns",
    "Households targeted by each campaign.",
    (
        _id("campaign_id", "Campaign."),
        _id("household_id", "Targeted household."),
    ),
    key=("campaign_id", "household_id"),
    foreign_keys=(
        ForeignKey(("campaign_id",), "campaign_descriptions", ("campaign_id",)),
        ForeignKey(("household_id",), "households", ("household_id",)),
    ),
)

COUPONS = Table(
    "coupons",
    "Products each coupon of a campaign applies to.",
    (
        _id("coupon_upc", "Coupon identifier (its UPC)."),
        _id("product_id", "Product the coupon applies to."),
        _id("campaign_id", "Campaign that issued the coupon."),
    ),
    key=("coupon_upc", "product_id", "campaign_id"),
    foreign_keys=(
        ForeignKey(("product_id",), "products", ("product_id",)),
        ForeignKey(("campaign_id",), "campaign_descriptions", ("campaign_id",)),
    ),
)

COUPON_REDEMPTIONS = Table(
    "coupon_redemptions",
    "Coupons redeemed by households.",
    (
        _id("household_id", "Household that redeemed."),
        _id("coupon_upc", "Coupon redeemed."),
        _id("campaign_id", "Campaign of the coupon."),
        Column("redemption_date", "DATE", nullable=False, description="Day of redemption."),
    ),
    key=("household_id", "coupon_upc", "campaign_id", "redemption_date"),
    foreign_keys=(
        ForeignKey(("household_id",), "households", ("household_id",)),
        ForeignKey(("coupon_upc", "campaign_id"), "coupons", ("coupon_upc", "campaign_id")),
    ),
)


def _double(name: str, description: str) -> Column:
    return Column(name, "DOUBLE", nullable=False, description=description)


PRICES = Table(
    "prices",
    "Simulated runs only: the chain-wide shelf price of every catalog product in every week, "
    "with its promotion state (displays vary by store and are in promotions).",
    (
        _id("product_id", "Product."),
        _week("Week of the study, 1-based."),
        _money("base_price", "Regular (base) price per unit, dollars."),
        _money("shelf_price", "Price per unit after the retailer's promotion, dollars."),
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
        _mailer_location(),
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
        _id("store_id", "Store."),
        _week("Week of the study, 1-based."),
        _double(
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
        _id("campaign_id", "Campaign."),
        _id("household_id", "Eligible household."),
        Column(
            "treatment_group",
            "VARCHAR",
            nullable=False,
            description="'treatment' (received the coupons) or 'control' (held out at random).",
        ),
        _double(
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
        _id("household_id", "Household."),
        _id("home_store_id", "The store the household shops at by preference."),
        _double(
            "price_sensitivity", "Minus the coefficient of log shelf price in product utility."
        ),
        _double("promo_response", "Utility per unit of discount depth."),
        _double("display_response", "Utility of an in-store display."),
        _double("feature_response", "Utility of a mailer feature."),
        _double("quality_preference", "Utility of a national brand over the store brand."),
        _double("reference_price_weight", "Weight of the reference-price (gain/loss) term."),
        _double(
            "gain_sensitivity", "lambda_gain: utility per unit log gain against the reference."
        ),
        _double("loss_sensitivity", "lambda_loss: utility per unit log loss; > lambda_gain."),
        _double("visit_propensity", "Logit of the household's base weekly visit probability."),
        _double("brand_loyalty", "Weight of the household's purchase history in product choice."),
        _double("coupon_sensitivity", "Multiplier of a coupon's utility and redemption odds."),
        _double(
            "coupon_use", "Multiplier of the learned share of lines with a manufacturer coupon."
        ),
        _double("store_loyalty", "Probability that a trip goes to the home store."),
        _double(
            "left_digit_sensitivity", "Utility lost per whole dollar of the price's left digit."
        ),
        _double("price_tier_taste", "Utility per price tier step (low -1, mid 0, high +1)."),
        _double("pack_size_taste", "Utility per pack-size step (small -1, medium 0, large +1)."),
        _double("stockpiling", "Elasticity of the extra units bought to the discount depth."),
        _double(
            "discount_claim_rate",
            "Share of the retailer's discounts the household claims (loyalty card shown, offer "
            "clipped): a line of a discounted product is discounted with this probability.",
        ),
        _double(
            "trip_frequency",
            "Multiplier of the household's extra trips in a week it visits (frequent top-up "
            "shoppers above 1).",
        ),
        _double(
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
        _id("campaign_id", "Campaign."),
        _id("household_id", "Eligible household (treatment or control)."),
        _double("expected_spend_treated", "Expected sales value on coupon products if treated."),
        _double("expected_spend_control", "Expected sales value on coupon products if not."),
        _double("true_uplift", "expected_spend_treated - expected_spend_control, dollars."),
        _double("expected_redemptions", "Expected number of coupons redeemed if treated."),
        _double(
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

# Parents before children: the order tables are written in and validated in.
RAW_TABLES: tuple[Table, ...] = (
    HOUSEHOLDS,
    PRODUCTS,
    STORES,
    CAMPAIGN_DESCRIPTIONS,
    CAMPAIGNS,
    COUPONS,
    COUPON_REDEMPTIONS,
    TRANSACTIONS,
    PROMOTIONS,
    PRICES,
    MARKETING_SIGNALS,
    CAMPAIGN_ASSIGNMENTS,
    HOUSEHOLD_PARAMETERS,
    TRUE_UPLIFT,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in RAW_TABLES}

RUNS_TABLE = "runs"
# The loaders' record of every run: not a table of a run's data (no frame is given for it, it is
# not validated), so it is not in RAW_TABLES.
RUNS = Table(
    RUNS_TABLE,
    "One row per loaded run.",
    (
        Column(
            "source",
            "VARCHAR",
            nullable=False,
            description="Where the run came from (complete_journey, simulation, ...).",
        ),
        _text("description", "Free text given at load time."),
        Column(
            "loaded_at",
            "TIMESTAMP",
            nullable=False,
            description="When the run was last loaded (UTC).",
        ),
    ),
    key=(),
)

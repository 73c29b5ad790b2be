"""The canonical raw schema: every table of Complete Journey's shape, each keyed by ``run_id``.

The real data is loaded as one run and every simulation as another, so the same dbt models build on
both. This module only *describes* the tables (names, columns, types, keys, descriptions) and
imports nothing: ``warehouse.ddl`` turns the description into SQL, ``warehouse.validation`` checks
a batch of frames against it, the simulator's raw-table writer (``simulation.raw_tables``) takes
its columns from it, and ``tests/test_schema_docs.py`` holds the dbt sources
(``_raw__sources.yml``) to it.
"""

from __future__ import annotations

from .simulated_tables import (
    CAMPAIGN_ASSIGNMENTS,
    HOUSEHOLD_PARAMETERS,
    MARKETING_SIGNALS,
    PRICES,
    TRUE_UPLIFT,
)
from .table_definitions import (
    Column,
    ForeignKey,
    Table,
    id_column,
    mailer_location_column,
    money_column,
    text_column,
    week_column,
)

RAW_SCHEMA = "raw"
RUN_ID_COLUMN = "run_id"


HOUSEHOLDS = Table(
    "households",
    "One row per household that shopped in the run, with its demographics where known.",
    (
        id_column("household_id", "Household identifier, unique within a run."),
        text_column("age", "Age band of the household head, e.g. '35-44'."),
        text_column("income", "Income band, e.g. '50-74K'."),
        text_column("home_ownership", "Homeowner, Renter, ..."),
        text_column("marital_status", "Married or Unmarried."),
        text_column("household_size", "Number of people, '5+' for five or more."),
        text_column("household_comp", "Household composition, e.g. '2 Adults Kids'."),
        text_column("kids_count", "Number of children, '3+' for three or more."),
    ),
    key=("household_id",),
)

PRODUCTS = Table(
    "products",
    "The product catalogue.",
    (
        id_column("product_id", "Product identifier, unique within a run."),
        id_column("manufacturer_id", "Manufacturer identifier.", nullable=True),
        text_column("department", "Department, e.g. GROCERY, PRODUCE, FUEL."),
        text_column("brand", "National or Private (store brand)."),
        text_column("product_category", "Category, e.g. 'SOFT DRINKS'."),
        text_column("product_type", "Sub-category, e.g. 'SOFT DRINKS 12/18&15PK CAN CAR'."),
        text_column("package_size", "Pack size as printed, e.g. '12 OZ', '2 LB', '20 CT'."),
    ),
    key=("product_id",),
)

STORES = Table(
    "stores",
    "One row per store of the run.",
    (id_column("store_id", "Store identifier, unique within a run."),),
    key=("store_id",),
)

TRANSACTIONS = Table(
    "transactions",
    "Line-level purchases: one row per product in a basket.",
    (
        id_column("household_id", "Household that bought."),
        id_column("store_id", "Store of the basket."),
        id_column(
            "basket_id",
            "Basket (one shopping trip: one household, one store, one checkout) identifier.",
        ),
        id_column("product_id", "Product bought."),
        Column(
            "quantity",
            "BIGINT",
            nullable=False,
            non_negative=True,
            description="Units bought (for fuel, gallons).",
        ),
        money_column(
            "sales_value",
            "Amount the retailer received for the line, in dollars, after the loyalty-card "
            "discount and including any manufacturer coupon reimbursement.",
        ),
        money_column(
            "retail_disc",
            "Loyalty-card (retailer promotion) discount on the line, in dollars, stored positive.",
        ),
        money_column(
            "coupon_disc", "Manufacturer coupon discount on the line, in dollars, stored positive."
        ),
        money_column(
            "coupon_match_disc",
            "Retailer's match of a manufacturer coupon, in dollars, stored positive.",
        ),
        week_column("Week of the study, 1-based (Complete Journey spans weeks 1-53)."),
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
        id_column("product_id", "Promoted product."),
        id_column("store_id", "Store running the promotion."),
        Column(
            "display_location",
            "VARCHAR",
            nullable=False,
            description="In-store display code (Complete Journey's codes): 0 not on display, "
            "1 store front, 2 store rear, 3 front end cap, 4 mid-aisle end cap, 5 rear end cap, "
            "6 side-aisle end cap, 7 in-aisle, 9 secondary location display, A in-shelf.",
        ),
        mailer_location_column(),
        week_column("Week of the study, 1-based (Complete Journey spans weeks 1-53)."),
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
        id_column("campaign_id", "Campaign identifier."),
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
        id_column("campaign_id", "Campaign."),
        id_column("household_id", "Targeted household."),
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
        id_column("coupon_upc", "Coupon identifier (its UPC)."),
        id_column("product_id", "Product the coupon applies to."),
        id_column("campaign_id", "Campaign that issued the coupon."),
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
        id_column("household_id", "Household that redeemed."),
        id_column("coupon_upc", "Coupon redeemed."),
        id_column("campaign_id", "Campaign of the coupon."),
        Column("redemption_date", "DATE", nullable=False, description="Day of redemption."),
    ),
    key=("household_id", "coupon_upc", "campaign_id", "redemption_date"),
    foreign_keys=(
        ForeignKey(("household_id",), "households", ("household_id",)),
        ForeignKey(("coupon_upc", "campaign_id"), "coupons", ("coupon_upc", "campaign_id")),
    ),
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
        text_column("description", "Free text given at load time."),
        Column(
            "loaded_at",
            "TIMESTAMP",
            nullable=False,
            description="When the run was last loaded (UTC).",
        ),
    ),
    key=(),
)

with

products as (
    select * from {{ ref('stg_raw__products') }}
),

final as (
    select
        run_id,
        product_id,
        manufacturer_id,
        department,
        product_category,
        product_type,
        brand_tier,
        package_size,
        pack_size_amount,
        pack_size_unit,
        cast({{ pack_size_ounces('pack_size_amount', 'pack_size_unit') }} as double)
            as pack_size_oz,
        is_bulk,
        is_placeholder
    from products
)

select * from final

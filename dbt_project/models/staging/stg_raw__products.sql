with

source as (
    select * from {{ source('raw', 'products') }}
),

renamed as (
    select
        cast(run_id as varchar) as run_id,
        cast(product_id as bigint) as product_id,
        cast(manufacturer_id as bigint) as manufacturer_id,
        coalesce(cast(department as varchar), 'UNKNOWN') as department,
        coalesce(cast(product_category as varchar), 'UNKNOWN') as product_category,
        coalesce(cast(product_type as varchar), 'UNKNOWN') as product_type,
        coalesce(cast(brand as varchar), 'Unknown') as brand_tier,
        cast(package_size as varchar) as package_size,
        {{ pack_size_amount('package_size') }} as pack_size_amount,
        {{ pack_size_unit('package_size') }} as pack_size_unit,
        coalesce(department in ({{ string_list_var('bulk_departments') }}), false) as is_bulk,
        department is null and brand is null and product_category is null as is_placeholder
    from source
)

select * from renamed

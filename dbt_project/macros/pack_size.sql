{#- Pack sizes are printed like '12 OZ', '2 LB', '6/1.3 OZ', '750 ML', '20 CT'. The first number that
    is followed by a unit is the amount; units are normalised to a short code, and weights and
    volumes are also expressed in ounces (fluid ounces for volumes) so packs compare across units. -#}

{% macro pack_size_amount(package_size) -%}
    cast(nullif({{ regex_group('upper(' ~ package_size ~ ')', '([0-9]*[.]?[0-9]+) *([A-Z]+)', 1) }}, '') as double)
{%- endmacro %}

{% macro pack_size_unit(package_size) -%}
    {%- set raw_unit = regex_group('upper(' ~ package_size ~ ')', '([0-9]*[.]?[0-9]+) *([A-Z]+)', 2) -%}
    case
        when {{ package_size }} is null then null
        when {{ raw_unit }} in ('OZ', 'OZS', 'FL', 'FZ', 'Z') then 'OZ'
        when {{ raw_unit }} in ('LB', 'LBS') then 'LB'
        when {{ raw_unit }} in ('G', 'GM', 'GR') then 'G'
        when {{ raw_unit }} = 'ML' then 'ML'
        when {{ raw_unit }} in ('L', 'LT', 'LTR') then 'L'
        when {{ raw_unit }} = 'PT' then 'PT'
        when {{ raw_unit }} = 'QT' then 'QT'
        when {{ raw_unit }} in ('GAL', 'GA') then 'GAL'
        when {{ raw_unit }} in ('CT', 'PC', 'PK', 'CTN', 'DZ', 'ROLL') then 'CT'
        when {{ raw_unit }} = '' then 'UNKNOWN'
        else 'OTHER'
    end
{%- endmacro %}

{#- Ounces per unit; counts have none. A dozen counts twelve. -#}
{% macro pack_size_ounces(amount, unit) -%}
    {{ amount }} * case {{ unit }}
        when 'OZ' then 1.0
        when 'LB' then 16.0
        when 'G' then 0.035274
        when 'ML' then 0.033814
        when 'L' then 33.814
        when 'PT' then 16.0
        when 'QT' then 32.0
        when 'GAL' then 128.0
    end
{%- endmacro %}

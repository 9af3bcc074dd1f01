/**
 * The functions user SQL may call, per engine: an allow-list of pure functions over values
 * (text, numbers, time, lists, JSON, aggregates, windows). Nothing that reads files, the
 * network, the environment, settings, the catalog or the query text is on it, and neither is
 * any table function but UNNEST; a function not listed here is refused, whatever it does.
 * On DuckDB, which shares the local twin's memory, padding and printf-style width functions are
 * left out too: one call of them can allocate gigabytes before the time limit can stop it.
 * Names are lower case; both engines match function names case-insensitively.
 */
import type { DialectName } from '../lql/index.ts';

const words = (text: string): string[] => text.trim().split(/\s+/);

const DUCKDB = words(`
  length len strlen octet_length bit_length lower lcase upper ucase trim ltrim rtrim substr substring
  left right concat concat_ws replace split_part string_split str_split split string_split_regex
  starts_with ends_with suffix prefix contains strpos position instr reverse ascii chr
  unicode md5 sha1 sha256 hash levenshtein damerau_levenshtein hamming jaccard
  jaro_similarity jaro_winkler_similarity like_escape ilike_escape regexp_matches regexp_full_match
  regexp_replace regexp_extract regexp_extract_all regexp_split_to_array regexp_escape translate
  url_encode url_decode to_base64 from_base64 base64 array_to_string nfc_normalize strip_accents
  format_bytes
  abs ceil ceiling floor round round_even trunc sqrt cbrt pow power exp ln log log2 log10 sign signbit
  greatest least fmod pi isnan isinf isfinite degrees radians sin cos tan asin acos atan atan2
  factorial gcd lcm even bit_count xor random
  now today get_current_timestamp get_current_time transaction_timestamp current_timestamp current_date
  date_trunc datetrunc date_part datepart date_diff datediff date_sub datesub date_add epoch epoch_ms
  epoch_us epoch_ns make_timestamp make_timestamptz make_date make_time to_timestamp strftime strptime
  try_strptime time_bucket age dayname monthname year month day hour minute second millisecond
  microsecond week weekofyear weekday dayofweek dayofmonth dayofyear isodow isoyear quarter decade
  century era last_day yearweek to_days to_hours to_minutes to_seconds to_milliseconds to_microseconds
  to_weeks to_months to_years timezone timezone_hour timezone_minute
  coalesce ifnull nullif if typeof
  list_value list_pack list_contains list_has array_contains array_has list_position list_indexof
  array_position list_extract list_element array_extract list_slice array_slice array_length list_sort
  array_sort list_reverse_sort list_distinct array_distinct list_unique array_unique list_concat
  array_concat list_cat array_cat list_append array_append list_prepend list_transform array_transform
  apply list_apply list_filter array_filter filter list_reduce reduce list_sum list_min list_max
  list_avg flatten list_zip list_has_any list_has_all array_has_any array_has_all struct_extract
  struct_pack struct_insert unnest map map_extract map_keys map_values element_at cardinality
  json_extract json_extract_string json_extract_path json_extract_path_text json_value json_exists
  json_array_length json_keys json_type json_valid json_contains json_structure json_object json_array
  json_merge_patch json_quote to_json json json_transform json_transform_strict from_json
  from_json_strict
  uuid gen_random_uuid
  count count_star sum avg mean min max median mode quantile quantile_cont quantile_disc
  approx_count_distinct approx_quantile reservoir_quantile stddev stddev_pop stddev_samp variance
  var_pop var_samp string_agg group_concat listagg array_agg list first last any_value arbitrary
  arg_max arg_min argmax argmin max_by min_by bool_and bool_or count_if countif entropy
  kurtosis skewness corr covar_pop covar_samp product fsum sumkahan kahan_sum bit_and bit_or bit_xor
  favg json_group_array json_group_object grouping grouping_id
  row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
`);

const BIGQUERY = words(`
  count countif sum avg min max any_value array_agg string_agg logical_and logical_or bit_and bit_or
  bit_xor approx_count_distinct approx_quantiles approx_top_count approx_top_sum stddev stddev_pop
  stddev_samp variance var_pop var_samp corr covar_pop covar_samp max_by min_by grouping
  row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
  percentile_cont percentile_disc
  length char_length character_length byte_length lower upper initcap trim ltrim rtrim substr substring
  left right concat replace split starts_with ends_with strpos instr lpad rpad reverse repeat
  regexp_contains regexp_extract regexp_extract_all regexp_replace regexp_instr regexp_substr format
  ascii chr unicode code_points_to_string to_code_points normalize normalize_and_casefold soundex
  translate to_base64 from_base64 to_hex from_hex contains_substr edit_distance
  abs sign ceil ceiling floor round trunc sqrt cbrt pow power exp ln log log10 mod div safe_divide
  safe_multiply safe_add safe_subtract safe_negate ieee_divide greatest least is_nan is_inf rand
  range_bucket sin cos tan asin acos atan atan2
  current_timestamp current_date current_datetime current_time timestamp date datetime time
  timestamp_trunc timestamp_add timestamp_sub timestamp_diff timestamp_seconds timestamp_millis
  timestamp_micros unix_seconds unix_millis unix_micros unix_date date_trunc date_add date_sub
  date_diff date_from_unix_date datetime_trunc datetime_add datetime_sub datetime_diff time_trunc
  time_add time_sub time_diff format_timestamp format_date format_datetime format_time
  parse_timestamp parse_date parse_datetime parse_time last_day generate_date_array
  generate_timestamp_array generate_array make_interval justify_days justify_hours justify_interval
  coalesce ifnull nullif if
  array_length array_to_string array_concat array_reverse array_first array_last array_slice
  array_includes array_includes_any array_includes_all offset ordinal safe_offset safe_ordinal unnest
  json_extract json_extract_scalar json_extract_array json_extract_string_array json_query json_value
  json_query_array json_value_array to_json to_json_string parse_json json_type json_keys string int64
  float64 bool lax_int64 lax_float64 lax_bool lax_string
  md5 sha1 sha256 sha512 farm_fingerprint generate_uuid
`);

const ALLOWED: Record<DialectName, ReadonlySet<string>> = {
  duckdb: new Set(DUCKDB),
  bigquery: new Set(BIGQUERY),
};

/** The one table function allowed in FROM: UNNEST of a list or array. */
export const TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['unnest']);

/**
 * Keywords that may stand right before `(` without being a call: syntax (`IN (`, `OVER (`,
 * `AS (`), typed literals and type parameters (`DECIMAL(10, 2)`), and the parser's pseudo
 * functions for EXISTS, ANY, ARRAY and ROW.
 */
const KEYWORDS_BEFORE_PAREN = new Set(
  words(`
    in exists as over filter values any all some array struct row cast try_cast safe_cast extract
    interval on using and or not when then else case select from where by join lateral within group
    having qualify union except intersect distinct limit offset like ilike between is rollup cube sets
    decimal numeric varchar char character map with window partition order
  `),
);

export function isAllowedFunction(name: string, dialect: DialectName): boolean {
  return ALLOWED[dialect].has(name.toLowerCase());
}

export function isKeywordBeforeParen(word: string): boolean {
  return KEYWORDS_BEFORE_PAREN.has(word.toLowerCase());
}

/** The allowed names, for documentation and tests. */
export function allowedFunctions(dialect: DialectName): string[] {
  return [...ALLOWED[dialect]].sort();
}

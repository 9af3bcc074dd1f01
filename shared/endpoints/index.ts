/**
 * The Endpoints context's public face: saved SQL or LQL queries run over HTTP with `@param`
 * values, their results cached per endpoint and parameters (see service.ts).
 */
export type { Endpoint, EndpointLanguage, EndpointPatch } from './model.ts';
export { DEFAULT_CACHE_SECONDS, ENDPOINT_LANGUAGES, MAX_CACHE_SECONDS } from './model.ts';
export type { EndpointChanges, NewEndpoint } from './bodies.ts';
export { EndpointPatchBody, NewEndpointBody, ParamsBody } from './bodies.ts';
export { bindLqlParameters, lqlParameters } from './lql-params.ts';
export { EndpointService, LQL_RESULT_LIMIT } from './service.ts';

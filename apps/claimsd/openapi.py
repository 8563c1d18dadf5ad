#!/usr/bin/env python3
"""Write claimsd's OpenAPI 3.0.3 document (spec/api.md) as JSON.

Run by the build (apps/meson.build); the output is compiled into claimsd and
served at GET /api/v1/openapi.json.  Every route of claimsd's route table
(apps/claimsd/routes.c, `claimsd --list-routes`) has exactly one operation
here and every operation one route: tests/integration/test_openapi.py fails
on a difference in either direction.  The WebSocket is described under the
top-level `x-websocket` key.

Usage: openapi.py VERSION OUTPUT
"""
import json
import re
import sys

# ---------------------------------------------------------------- schema helpers

INT = {'type': 'integer', 'format': 'int64'}
STR = {'type': 'string'}
BOOL = {'type': 'boolean'}
NUM = {'type': 'number'}
NUM2 = {'type': 'number', 'format': 'double', 'x-decimals': 2}
NUM4 = {'type': 'number', 'format': 'double', 'x-decimals': 4}
MONEY = {'type': 'number', 'format': 'double', 'x-decimals': 2,
         'description': 'Money: exactly two decimals (1500.00).'}
DATE = {'type': 'string', 'format': 'date', 'example': '2024-01-05'}
TS = {'type': 'string', 'format': 'date-time', 'example': '2024-12-20T10:30:00Z',
      'description': 'UTC timestamp with Z.'}
OBJ = {'type': 'object', 'additionalProperties': True}


def ref(name):
    return {'$ref': f'#/components/schemas/{name}'}


def n(schema):
    """The schema, nullable."""
    if '$ref' in schema:
        return {'allOf': [schema], 'nullable': True}
    return dict(schema, nullable=True)


def arr(items):
    return {'type': 'array', 'items': items}


def enum(*values, nullable=False):
    s = {'type': 'string', 'enum': list(values)}
    return n(s) if nullable else s


def desc(schema, text):
    return dict(schema, description=text) if '$ref' not in schema else \
        {'allOf': [schema], 'description': text}


def obj(props, required=None, description=None, extra=False):
    """An object whose listed properties are all required unless told."""
    s = {'type': 'object', 'properties': props,
         'required': list(props) if required is None else list(required)}
    if description:
        s['description'] = description
    if extra:
        s['additionalProperties'] = extra
    return s


def list_of(items_key, item):
    return obj({items_key: arr(item), 'total': desc(INT, 'Rows matching the filters.'),
                'skip': INT, 'limit': INT},
               description='A page: items, total matching rows, skip and limit.')


def all_of(base, props, description=None):
    s = {'allOf': [ref(base), obj(props)]}
    if description:
        s['description'] = description
    return s


# ---------------------------------------------------------------- schemas

SCHEMAS = {
    'Error': obj({'error': desc(STR, 'Machine code: NOT_FOUND, VALIDATION_ERROR, UNAUTHORIZED, ...'),
                  'message': STR,
                  'details': {'oneOf': [OBJ, arr(OBJ)]}},
                 description='Every error answer, from any layer.'),
    'ValidationIssue': obj({'loc': arr(STR), 'msg': STR,
                            'type': desc(STR, 'missing, int_parsing, range, enum, date_parsing, '
                                              'json_invalid, too_long, repeated, ...')}),
    'ValidationError': obj({'error': enum('VALIDATION_ERROR'), 'message': STR,
                            'details': arr(ref('ValidationIssue'))},
                           description='422: every problem of the request, in parameter order.'),
    'Message': obj({'message': STR}),
    'Issue': obj({
        'file': STR, 'interchange': n(INT), 'transaction': n(INT), 'segment_index': n(INT),
        'byte_offset': n(INT), 'segment_id': n(STR), 'element': n(STR), 'code': STR,
        'severity': enum('info', 'warning', 'error'), 'message': STR, 'details': OBJ},
        description='One X12 problem with its location (x12.md §4).'),
    'IngestCounts': obj({k: (MONEY if k in ('total_charge', 'line_charge_total', 'total_paid',
                                             'total_patient_responsibility', 'bpr_total',
                                             'plb_total') else INT)
                         for k in ('interchanges', 'groups', 'transactions',
                                   'transactions_skipped', 'claims_parsed', 'claims_created',
                                   'claims_updated', 'claims_voided', 'claims_unchanged',
                                   'claim_lines', 'diagnoses', 'total_charge',
                                   'line_charge_total', 'remittances_parsed',
                                   'remittances_created', 'remittances_unchanged',
                                   'service_lines', 'adjustments', 'provider_adjustments',
                                   'total_paid', 'total_patient_responsibility', 'bpr_total',
                                   'plb_total', 'episodes_linked', 'issues', 'errors',
                                   'warnings')},
                        description='What one ingest read and stored (x12.md §10).'),
    'ClaimSummary': obj({
        'id': INT, 'claim_control_number': STR, 'patient_control_number': STR,
        'total_charge_amount': n(MONEY),
        'status': enum('pending', 'processed', 'denied', 'reversed', 'void'),
        'is_incomplete': BOOL, 'payer_id': n(INT), 'service_date': n(DATE), 'created_at': TS}),
    'Diagnosis': obj({
        'sequence': INT, 'qualifier': STR, 'qualifier_desc': STR, 'code': STR,
        'code_system': STR, 'role': STR, 'is_valid': BOOL, 'poa': n(STR),
        'diagnosis_pointer': n(INT)}),
    'ClaimLine': obj({
        'id': INT, 'line_number': INT, 'revenue_code': n(STR), 'procedure_qualifier': n(STR),
        'procedure_code': n(STR), 'procedure_modifier': n(STR), 'modifiers': arr(STR),
        'charge_amount': n(MONEY), 'unit_type': n(STR), 'unit_count': n(NUM),
        'place_of_service': n(STR), 'diagnosis_pointers': arr(INT), 'service_date': n(DATE),
        'service_date_to': n(DATE), 'line_item_control_number': n(STR),
        'procedure_code_valid': n(BOOL)}),
    'Claim': all_of('ClaimSummary', {
        'transaction_type': enum('837P', '837I'), 'provider_id': n(INT), 'payer_name': n(STR),
        'practice_id': n(STR), 'facility_type_code': n(STR),
        'facility_code_qualifier': n(STR), 'claim_frequency_type': n(STR),
        'assignment_code': n(STR), 'statement_date': n(DATE), 'statement_date_to': n(DATE),
        'admission_date': n(DATE), 'discharge_date': n(DATE), 'service_date_to': n(DATE),
        'original_reference_number': n(STR), 'principal_diagnosis': n(STR),
        'diagnosis_codes': arr(ref('Diagnosis')), 'claim_lines': arr(ref('ClaimLine')),
        'billing_provider_npi': n(STR), 'rendering_provider_npi': n(STR),
        'attending_provider_npi': n(STR), 'operating_provider_npi': n(STR),
        'referring_provider_npi': n(STR), 'parsing_warnings': arr(ref('Issue')),
        'version': INT, 'submission_count': INT, 'current_episode_id': n(INT),
        'updated_at': TS}, description='A claim with its lines and diagnoses; never patient '
                                       'names, dates of birth or member ids.'),
    'UnlinkedClaim': obj({'id': INT, 'claim_control_number': STR,
                          'total_charge_amount': n(MONEY), 'service_date': n(DATE),
                          'payer_name': n(STR)}),
    'Adjustment': obj({
        'group_code': enum('CO', 'PR', 'OA', 'PI', 'CR'), 'reason_code': STR,
        'amount': MONEY, 'quantity': n(NUM), 'level': enum('claim', 'service'),
        'service_line_number': n(INT), 'category': STR, 'is_denial': BOOL}),
    'ServiceLine': obj({
        'line_number': INT, 'procedure_qualifier': n(STR), 'procedure_code': n(STR),
        'modifiers': arr(STR), 'revenue_code': n(STR), 'charge_amount': n(MONEY),
        'payment_amount': n(MONEY), 'allowed_amount': n(MONEY), 'units': n(NUM),
        'service_date': n(DATE), 'line_item_control_number': n(STR), 'remark_codes': arr(STR),
        'adjustments': arr(ref('Adjustment'))}),
    'RemitSummary': obj({
        'id': INT, 'remittance_control_number': n(STR), 'claim_control_number': STR,
        'payer_name': n(STR), 'payment_amount': n(MONEY), 'claim_status_code': n(STR),
        'payment_date': n(DATE),
        'status': enum('pending', 'processed', 'unmatched', 'ambiguous'), 'created_at': TS}),
    'Remit': all_of('RemitSummary', {
        'payer_id': INT, 'payer_claim_control_number': n(STR), 'check_number': n(STR),
        'claim_status_desc': n(STR), 'claim_charge_amount': n(MONEY),
        'patient_responsibility_amount': n(MONEY), 'denial_reasons': arr(STR),
        'adjustment_reasons': arr(ref('Adjustment')), 'service_lines': arr(ref('ServiceLine')),
        'remark_codes': arr(STR), 'episode_id': n(INT), 'parsing_warnings': arr(ref('Issue')),
        'updated_at': TS}, description='One claim payment (CLP) with its adjustments and lines.'),
    'Episode': obj({
        'id': INT, 'claim_id': INT, 'remittance_id': INT,
        'status': enum('pending', 'linked', 'complete', 'denied', 'reversed'),
        'payment_amount': n(MONEY), 'denial_count': INT, 'adjustment_count': INT,
        'link_method': enum('control_number', 'control_number_any_payer', 'patient_match',
                            'manual'),
        'reversed_by_episode_id': n(INT), 'linked_at': n(TS), 'created_at': TS,
        'updated_at': TS}, description='The link between one claim and one remittance.'),
    'ComponentScores': obj({k: NUM2 for k in ('coding_risk', 'documentation_risk', 'payer_risk',
                                              'historical_risk', 'pattern_risk')}),
    'RiskFactor': obj({'type': enum('payer', 'coding', 'documentation', 'historical',
                                    'pattern_match'),
                       'code': STR, 'severity': enum('low', 'medium', 'high', 'critical'),
                       'message': STR, 'points': NUM2},
                      extra=True),
    'RiskScore': obj({
        'claim_id': INT, 'overall_score': NUM2,
        'risk_level': enum('low', 'medium', 'high', 'critical'),
        'component_scores': ref('ComponentScores'), 'risk_factors': arr(ref('RiskFactor')),
        'recommendations': arr(STR), 'model_version': STR, 'claim_version': INT,
        'calculated_at': TS}),
    'RiskNotCalculated': obj({'claim_id': INT,
                              'message': enum('Risk score not yet calculated')}),
    'RiskCalculated': obj({'claim_id': INT, 'overall_score': NUM2,
                           'risk_level': enum('low', 'medium', 'high', 'critical'),
                           'status': enum('calculated'),
                           'component_scores': ref('ComponentScores'), 'calculated_at': TS}),
    'PatternConditions': obj({'procedure_codes': arr(STR), 'principal_diagnoses': arr(STR),
                              'facility_types': arr(STR), 'charge_amount_min': n(NUM),
                              'charge_amount_max': n(NUM)}),
    'Pattern': obj({
        'id': INT, 'pattern_type': STR, 'pattern_description': STR, 'denial_reason_code': STR,
        'occurrence_count': INT, 'adjudicated_count': INT, 'frequency': NUM4,
        'confidence_score': NUM4, 'conditions': ref('PatternConditions'), 'first_seen': TS,
        'last_seen': TS}),
    'PatternMatch': obj({
        'pattern_id': INT, 'pattern_type': STR, 'pattern_description': STR,
        'denial_reason_code': STR, 'match_score': NUM4, 'confidence_score': NUM4,
        'frequency': NUM4, 'conditions': ref('PatternConditions'), 'pattern_risk': NUM2}),
    'Job': obj({
        'id': INT, 'task_id': STR, 'status': enum('queued', 'running', 'succeeded', 'failed'),
        'stage': enum('queued', 'parsing', 'saving', 'linking', 'complete'),
        'progress': NUM4, 'filename': STR, 'file_type': enum('837', '835'),
        'detected_type': n(STR), 'ingest_file_id': INT, 'counts': n(ref('IngestCounts')),
        'issues': arr(ref('Issue')), 'issues_total': INT, 'error': n(ref('Error')),
        'created_at': TS, 'started_at': n(TS), 'finished_at': n(TS)},
        required=['id', 'task_id', 'status', 'stage', 'progress', 'filename', 'file_type',
                  'detected_type', 'ingest_file_id', 'counts', 'issues_total', 'error',
                  'created_at', 'started_at', 'finished_at'],
        description='A background ingest; `issues` (first 100) only on GET /jobs/{job_id}.'),
    'UploadResult': obj({
        'message': enum('File processed', 'File already ingested', 'File queued for processing'),
        'task_id': n(STR), 'job_id': n(INT), 'ingest_file_id': INT, 'filename': STR,
        'file_size_mb': NUM2, 'processing_mode': enum('in-request', 'background', 'duplicate'),
        'status': enum('succeeded', 'queued', 'duplicate'), 'file_type': enum('837', '835'),
        'detected_type': STR, 'counts': n(ref('IngestCounts')), 'issues': arr(ref('Issue')),
        'issues_total': INT, 'status_url': desc(STR, '202 only: /api/v1/jobs/{id}')},
        required=['message', 'task_id', 'job_id', 'ingest_file_id', 'filename',
                  'file_size_mb', 'processing_mode', 'status', 'file_type', 'detected_type',
                  'counts', 'issues', 'issues_total']),
    'Payer': obj({'id': INT, 'payer_id': STR, 'name': STR, 'payer_type': n(STR),
                  'rules_config': OBJ, 'claim_count': INT, 'remittance_count': INT,
                  'created_at': TS}),
    'ParserLog': obj({
        'id': INT, 'ingest_file_id': n(INT), 'file_name': STR, 'file_type': n(STR),
        'log_level': enum('info', 'warning', 'error'), 'segment_type': n(STR),
        'issue_type': STR, 'message': STR, 'details': OBJ, 'claim_control_number': n(STR),
        'practice_id': n(STR), 'claim_id': n(INT), 'remittance_id': n(INT),
        'created_at': TS}),
    'AuditLog': obj({
        'id': INT, 'method': STR, 'path': STR, 'status_code': INT,
        'duration': desc(NUM, 'Seconds.'), 'user_id': n(STR), 'client_ip': n(STR),
        'request_identifier': n(STR), 'response_identifier': n(STR), 'created_at': TS}),
    'AuditStats': obj({
        'period_days': INT, 'start_date': TS, 'end_date': TS, 'total_requests': INT,
        'requests_by_method': {'type': 'object', 'additionalProperties': INT},
        'requests_by_status': {'type': 'object', 'additionalProperties': INT},
        'unique_users': INT, 'unique_ip_addresses': INT,
        'average_duration_seconds': n(NUM4), 'requests_per_day': NUM2}),
    'CacheCounts': obj({'hits': INT, 'misses': INT, 'total': INT,
                        'hit_rate': desc(NUM2, 'Percentage 0..100.')}),
    'CacheStats': obj({
        'overall': obj({'hits': INT, 'misses': INT, 'total': INT, 'hit_rate': NUM2,
                        'evictions': INT, 'expirations': INT, 'entries': INT, 'bytes': INT,
                        'max_entries': INT, 'max_bytes': INT}),
        'by_key': {'type': 'object', 'additionalProperties': ref('CacheCounts')},
        'by_prefix': {'type': 'object', 'additionalProperties': {
            'allOf': [ref('CacheCounts'), obj({'entries': INT})]}},
        'tracked_keys': INT, 'max_tracked_keys': INT}, description='cache.md §5.'),
    'CacheKeyStats': obj({'key': STR, 'hits': INT, 'misses': INT, 'total': INT,
                          'hit_rate': NUM2, 'tracked': BOOL}),
    'Health': obj({'status': enum('healthy'), 'version': STR}),
    'HealthDetailed': obj({
        'status': enum('healthy', 'degraded'), 'version': STR, 'timestamp': TS,
        'components': obj({
            'database': obj({'status': STR, 'response_time_ms': NUM2, 'schema_version': INT,
                             'error': STR}, required=['status']),
            'cache': obj({'status': STR, 'entries': INT, 'bytes': INT}),
            'worker': obj({'status': STR, 'threads': INT, 'queued_jobs': INT,
                           'running_jobs': INT})})}),
    'Root': obj({'name': enum('libclaims'), 'version': STR, 'status': enum('running')}),
    'Token': obj({'access_token': STR, 'token_type': enum('bearer'),
                  'expires_in': desc(INT, 'Seconds.')}),
    'LinkResult': obj({
        'message': enum('Episode linking completed'), 'remittance_id': INT,
        'episodes_linked': INT,
        'link_result': enum('linked', 'already_linked', 'unmatched', 'ambiguous'),
        'candidates': arr(INT),
        'episodes': arr(obj({'id': INT, 'claim_id': INT, 'status': STR}))}),
    'IntegrationStatus': obj({'connected': BOOL, 'message': STR, 'adapter_name': STR,
                              'adapter_type': STR}),
    'ClearinghouseSubmission': obj({
        'status': enum('generated'), 'tracking_id': desc(STR, 'CLM-<id>-v<version>'),
        'transaction_type': enum('837P', '837I'), 'x12': STR, 'segment_count': INT}),
    'StatsSummary': obj({
        'claims': desc(INT, 'Every claim, void included (= GET /claims total).'),
        'remittances': desc(INT, '= GET /remits total.'),
        'episodes': desc(INT, '= GET /episodes total.'),
        'paid_amount': desc(MONEY, 'Sum of CLP04 over every remittance; reversals are '
                                   'negative.'),
        'adjudicated_episodes': desc(INT, 'Episodes not pending or reversed whose remittance '
                                          'is not CLP02 22 or 25 (engine.md §1.6).'),
        'denied_episodes': desc(INT, 'Adjudicated episodes with denial_count > 0.'),
        'denial_rate': desc(NUM4, 'denied / adjudicated, 0 without adjudicated episodes.'),
        'claims_by_status': obj({k: INT for k in ('pending', 'processed', 'denied',
                                                  'reversed', 'void')}),
        'risk_levels': desc(obj({k: INT for k in ('low', 'medium', 'high', 'critical',
                                                  'unscored')}),
                            "Claims by the level of their newest risk score; unscored = "
                            "claims without one."),
        'denial_rate_by_payer': desc(arr(obj({
            'payer_id': INT, 'payer_name': STR, 'adjudicated_episodes': INT,
            'denied_episodes': INT, 'denial_rate': NUM4})),
            'Remittance payers with adjudicated episodes, most episodes first (then id), at '
            'most 20.'),
        'top_denial_codes': desc(arr(obj({
            'code': desc(STR, 'Group + CARC (CO50), or CLAIM_DENIED.'),
            'description': n(STR), 'episodes': INT})),
            "Denial reasons of adjudicated episodes' remittances, each counted once per "
            "episode; most first, then by code; at most 10."),
        'generated_at': TS}),
    'Notification': obj({
        'type': enum('connection', 'ack', 'error', 'risk_score_calculated', 'claim_processed',
                     'remittance_processed', 'episode_linked', 'episode_completed',
                     'episode_status_changed', 'file_processed', 'file_progress',
                     'job_failed'),
        'timestamp': TS, 'data': OBJ, 'message': STR},
        required=['type', 'timestamp', 'message'],
        description='WebSocket message (api.md §5, §6).'),
}

for name, key, item in (('ClaimList', 'claims', ref('ClaimSummary')),
                        ('UnlinkedClaimList', 'claims', ref('UnlinkedClaim')),
                        ('RemitList', 'remits', ref('RemitSummary')),
                        ('EpisodeList', 'episodes', ref('Episode')),
                        ('JobList', 'jobs', ref('Job')),
                        ('PayerList', 'payers', ref('Payer')),
                        ('ParserLogList', 'logs', ref('ParserLog')),
                        ('AuditLogList', 'logs', ref('AuditLog'))):
    SCHEMAS[name] = list_of(key, item)

# ---------------------------------------------------------------- parameters


def qp(name, schema, description, required=False):
    return {'name': name, 'in': 'query', 'required': required, 'schema': schema,
            'description': description}


PAGE = [
    {'$ref': '#/components/parameters/skip'},
    {'$ref': '#/components/parameters/limit'},
]
PARAMETERS = {
    'skip': qp('skip', dict(INT, minimum=0, default=0), 'Rows to skip (>= 0).'),
    'limit': qp('limit', dict(INT, minimum=1, maximum=1000, default=100),
                'Rows to return (1..1000).'),
}


def ts_filter(name, what):
    return qp(name, {'type': 'string', 'format': 'date-time'},
              f'{what} (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or an ISO-8601 offset).')


def date_filter(name, what):
    return qp(name, DATE, f'{what} (YYYY-MM-DD, inclusive).')


def path_param(name):
    """{name} of a template: ids are integers >= 1 (else 422); others strings."""
    if name.endswith('_id'):
        return {'name': name, 'in': 'path', 'required': True,
                'schema': dict(INT, minimum=1),
                'description': 'Integer id >= 1; anything else is a 422.'}
    if name == 'asset':
        return {'name': name, 'in': 'path', 'required': True, 'schema': STR,
                'description': 'A file name of the embedded asset list (index.html, app.js, '
                               'app.css, docs.html, docs.js, favicon.svg); any other name, '
                               'and any path with "..", %2f or NUL, is a 404.'}
    return {'name': name, 'in': 'path', 'required': True, 'schema': STR,
            'description': f'The {name.replace("_", " ")}.'}


# ---------------------------------------------------------------- responses

def json_response(description, schema, headers=None):
    r = {'description': description,
         'content': {'application/json': {'schema': schema}}}
    if headers:
        r['headers'] = headers
    return r


def error(description):
    return json_response(description, ref('Error'))


RESPONSES = {
    'Unauthorized': dict(error('Missing, invalid or expired token (security.md §1.2); '
                               'WWW-Authenticate: Bearer.'),
                         headers={'WWW-Authenticate': {'schema': STR}}),
    'Forbidden': error('Authenticated, but the role may not use this route.'),
    'NotFound': error('No such entity: "<Resource> not found (id: N)".'),
    'ValidationError': json_response('Bad parameters or body.', ref('ValidationError')),
    'TooManyRequests': dict(error('Rate limit exceeded (security.md §3).'),
                            headers={'Retry-After': {'schema': INT}}),
    'PayloadTooLarge': error('Body over its limit.'),
    'ServiceUnavailable': dict(error('The database is busy or unavailable; retry.'),
                               headers={'Retry-After': {'schema': INT}}),
}

HTML = {'text/html': {'schema': {'type': 'string'}}}

# ---------------------------------------------------------------- operations

PATHS = {}
EXEMPT = set()  # (method, path) exempt from authentication


def op(method, path, tag, summary, description, params=(), body=None, ok=None,
       auth='user', others=(), rate_limited=True, cache=None, invalidates=None):
    """One operation.  ok: {status: response}; others: extra error statuses
    as (status, description) or component names."""
    method = method.lower()
    o = {'tags': [tag], 'summary': summary, 'description': description,
         'operationId': re.sub(r'[^A-Za-z0-9]+', '_', f'{method}{path}').strip('_')}
    names = re.findall(r'{([^}]+)}', path)
    o['parameters'] = [path_param(x) for x in names] + list(params)
    if body:
        o['requestBody'] = body
    responses = dict(ok)
    has_id = any(x.endswith('_id') for x in names)
    if has_id or any(p.get('in') == 'query' or '$ref' in p for p in params) or body:
        responses.setdefault('422', {'$ref': '#/components/responses/ValidationError'})
    if auth == 'exempt':
        o['security'] = []
        EXEMPT.add((method, path))
    else:
        responses['401'] = {'$ref': '#/components/responses/Unauthorized'}
        if auth == 'admin':
            o['x-roles'] = ['admin']
            responses['403'] = {'$ref': '#/components/responses/Forbidden'}
    if rate_limited:
        responses['429'] = {'$ref': '#/components/responses/TooManyRequests'}
    for other in others:
        if isinstance(other, tuple):
            responses[other[0]] = error(other[1])
        else:
            code = {'NotFound': '404', 'PayloadTooLarge': '413',
                    'ServiceUnavailable': '503'}[other]
            responses[code] = {'$ref': f'#/components/responses/{other}'}
    if has_id and '404' not in responses and path.startswith('/api/'):
        responses['404'] = {'$ref': '#/components/responses/NotFound'}
    o['responses'] = dict(sorted(responses.items()))
    if cache:
        o['x-cache'] = cache
    if invalidates:
        o['x-invalidates'] = invalidates
    item = PATHS.setdefault(path, {})
    assert method not in item, (method, path)
    item[method] = o


def ok(schema, description='Success.', status='200', headers=None):
    return {status: json_response(description, schema, headers)}


JSON_BODY = lambda schema, description: {  # noqa: E731
    'required': True, 'description': description,
    'content': {'application/json': {'schema': schema}}}

# -- system

op('GET', '/', 'System', 'Service name and version',
   'Name, library version and "running". Not rate limited.',
   ok=ok(ref('Root')), auth='exempt', rate_limited=False)
op('GET', '/api/v1/health', 'System', 'Liveness',
   'Always {"status": "healthy", "version"} while the process serves. Not rate limited.',
   ok=ok(ref('Health')), auth='exempt', rate_limited=False)
op('GET', '/api/v1/health/detailed', 'System', 'Health of each component',
   'Always 200: database (response time, schema version), cache (entries, bytes) and the '
   'background workers (threads, queued and running jobs); any unhealthy component makes '
   'the status "degraded".',
   ok=ok(ref('HealthDetailed')))
op('GET', '/metrics', 'System', 'Prometheus metrics',
   'Text exposition format 0.0.4: HTTP requests by method, route template and status, '
   'request durations (histogram), cache counters and gauges, ingest totals, jobs by status, '
   'WebSocket clients, rate-limited requests and dropped audit records.',
   ok={'200': {'description': 'Metrics.',
               'content': {'text/plain; version=0.0.4': {'schema': {'type': 'string'}}}}})
op('GET', '/api/v1/stats/summary', 'System', "Dashboard aggregates",
   'Totals (claims, remittances, episodes, paid amount), claims by status, the denial rate '
   'overall and by payer, the top denial reasons and the distribution of current risk '
   'levels, read in one transaction. Not cached: every ingest, link, status change and '
   'risk calculation changes it.',
   ok=ok(ref('StatsSummary')), others=['ServiceUnavailable'])

# -- cache

op('GET', '/api/v1/cache/stats', 'Cache', 'Cache statistics',
   'Overall, per-prefix and per-key hit and miss counters (cache.md §5); with a non-empty '
   '`key`, only that key\'s counters (zeros and tracked false when it is not tracked).',
   params=[qp('key', STR, 'One cache key, e.g. claim:17; empty means all.')],
   ok={'200': {'description': 'Statistics.', 'content': {'application/json': {
       'schema': {'oneOf': [ref('CacheStats'), ref('CacheKeyStats')]}}}}})
op('POST', '/api/v1/cache/stats/reset', 'Cache', 'Reset cache statistics',
   'Admin only. Without `key` (or with `key=`) every counter becomes 0; with `key`, that '
   'key\'s counters are removed from its prefix and the totals. Cached values stay.',
   params=[qp('key', STR, 'One cache key; empty means all.')],
   ok=ok(ref('Message')), auth='admin', invalidates='statistics only')

# -- uploads and jobs

UPLOAD_BODY = {
    'required': True,
    'description': 'multipart/form-data with one part named `file`, or the raw file with '
                   'Content-Type application/edi-x12, application/edi or text/plain.',
    'content': {
        'multipart/form-data': {'schema': obj({'file': {'type': 'string',
                                                        'format': 'binary'}})},
        'application/edi-x12': {'schema': {'type': 'string', 'format': 'binary'}},
        'application/edi': {'schema': {'type': 'string', 'format': 'binary'}},
        'text/plain': {'schema': {'type': 'string'}},
    }}
UPLOAD_PARAMS = [
    qp('mode', enum('tolerant', 'strict'), 'Ingest mode; default INGEST_MODE.'),
    qp('practice_id', STR, 'A configured practice (else 422).'),
    qp('filename', STR, 'File name of a raw body (last path component, at most 255 bytes).'),
]
for kind, family, path in (('837', 'claims', '/api/v1/claims/upload'),
                           ('835', 'remittances', '/api/v1/remits/upload')):
    op('POST', path, 'Uploads and jobs', f'Upload an {kind} file',
       f'Streams the body to a spool file while hashing it. Files up to '
       f'UPLOAD_SYNC_MAX_BYTES (8 MiB) are ingested in the request (200, or 422 EDI_REFUSED); '
       f'larger ones are queued (202 with Location). A file already ingested answers 200 '
       f'duplicate; an {"835" if kind == "837" else "837"} sent here is 422 WRONG_FILE_TYPE. '
       f'Stores {family} and links episodes (api.md §4.1).',
       params=UPLOAD_PARAMS, body=UPLOAD_BODY,
       ok={'200': json_response('Processed, or already ingested.', ref('UploadResult')),
           '202': json_response('Queued for a background worker.', ref('UploadResult'),
                                headers={'Location': {'schema': STR}})},
       others=['PayloadTooLarge', ('415', 'Unsupported content type.'),
               ('503', 'The job queue is full (Retry-After: 30).')],
       invalidates='api.md §4.1')
op('GET', '/api/v1/jobs', 'Uploads and jobs', 'List background jobs',
   'Newest first, without their issues.',
   params=PAGE + [qp('status', enum('queued', 'running', 'succeeded', 'failed'),
                     'Only jobs in this status.')],
   ok=ok(ref('JobList')))
op('GET', '/api/v1/jobs/{job_id}', 'Uploads and jobs', 'One background job',
   'Status, stage, progress (non-decreasing, 1 on success), counts and the first 100 issues.',
   ok=ok(ref('Job')))

# -- claims

op('GET', '/api/v1/claims', 'Claims', 'List claims',
   'Claims by id ascending with optional filters; the total is read through the cache '
   '(count:claim[:filters]).',
   params=PAGE + [
       qp('status', enum('pending', 'processed', 'denied', 'reversed', 'void'), 'Claim status.'),
       qp('payer_id', dict(INT, minimum=1), 'Payer database id.'),
       qp('provider_id', dict(INT, minimum=1), 'Billing provider database id.'),
       qp('practice_id', STR, 'A configured practice.'),
       date_filter('service_date_from', 'Service date from'),
       date_filter('service_date_to', 'Service date to')],
   ok=ok(ref('ClaimList')), cache='count:claim[:filters] (CACHE_TTL_COUNT)')
op('GET', '/api/v1/claims/unlinked', 'Claims', 'Claims without an episode',
   'Claims with no episode and status other than void, id ascending, with the payer name.',
   params=PAGE, ok=ok(ref('UnlinkedClaimList')),
   cache='count:claim:unlinked=true (CACHE_TTL_COUNT)')
op('GET', '/api/v1/claims/{claim_id}', 'Claims', 'One claim',
   'The claim with its lines, diagnoses and parsing warnings.',
   ok=ok(ref('Claim')), cache='claim:{id} (CACHE_TTL_CLAIM)')

# -- remittances

op('GET', '/api/v1/remits', 'Remittances', 'List remittances',
   'Remittances (claim payments) by id ascending with optional filters.',
   params=PAGE + [
       qp('status', enum('pending', 'processed', 'unmatched', 'ambiguous'), 'Link status.'),
       qp('payer_id', dict(INT, minimum=1), 'Payer database id.'),
       qp('claim_control_number', STR, 'CLP01, exact.'),
       date_filter('payment_date_from', 'Payment date from'),
       date_filter('payment_date_to', 'Payment date to')],
   ok=ok(ref('RemitList')), cache='count:remittance[:filters] (CACHE_TTL_COUNT)')
op('GET', '/api/v1/remits/{remit_id}', 'Remittances', 'One remittance',
   'The payment with its adjustments, service lines and denial reasons.',
   ok=ok(ref('Remit')), cache='remittance:{id} (CACHE_TTL_REMITTANCE)')
op('POST', '/api/v1/remits/{remittance_id}/link', 'Remittances', 'Link a remittance',
   'Runs episode linking (engine.md §1.2) for this remittance.',
   ok=ok(ref('LinkResult')), invalidates='link set (cache.md §6)')

# -- episodes

EPISODE_REF = obj({'id': INT, 'claim_id': INT, 'remittance_id': INT, 'status': STR})
op('GET', '/api/v1/episodes', 'Episodes', 'List episodes',
   'Episodes by id ascending; claim_id 0 means no filter.',
   params=PAGE + [
       qp('claim_id', dict(INT, minimum=0), 'Claim id (0 = no filter).'),
       qp('remittance_id', dict(INT, minimum=1), 'Remittance id.'),
       qp('status', enum('pending', 'linked', 'complete', 'denied', 'reversed'),
          'Episode status.')],
   ok=ok(ref('EpisodeList')), cache='count:episode[:filters] (CACHE_TTL_COUNT)')
op('GET', '/api/v1/episodes/{episode_id}', 'Episodes', 'One episode', 'The episode.',
   ok=ok(ref('Episode')), cache='episode:{id} (CACHE_TTL_EPISODE)')
op('POST', '/api/v1/episodes/{episode_id}/link', 'Episodes', 'Link a claim and a remittance',
   'Manual link (engine.md §1.7). The path id must be an integer and is otherwise ignored; '
   'an existing pair answers its episode; a remittance linked to another claim is a 409.',
   params=[qp('claim_id', dict(INT, minimum=1), 'Claim id.', required=True),
           qp('remittance_id', dict(INT, minimum=1), 'Remittance id.', required=True)],
   ok=ok(obj({'message': enum('Episode linked successfully'), 'episode': EPISODE_REF})),
   others=[('409', 'The remittance is linked to another claim.')], invalidates='link set')
op('PATCH', '/api/v1/episodes/{episode_id}/status', 'Episodes', 'Set an episode\'s status',
   'Sets pending, linked, complete, denied or reversed (any case) and recomputes the claim '
   'status.',
   body=JSON_BODY(obj({'status': enum('pending', 'linked', 'complete', 'denied',
                                      'reversed')}), 'The new status.'),
   ok=ok(obj({'message': enum('Episode status updated'),
              'episode': obj({'id': INT, 'status': STR})})),
   others=['PayloadTooLarge'], invalidates='status set')
op('POST', '/api/v1/episodes/{episode_id}/complete', 'Episodes', 'Complete an episode',
   'Sets the status complete (and linked_at when it was null).',
   ok=ok(obj({'message': enum('Episode marked as complete'),
              'episode': obj({'id': INT, 'status': enum('complete')})})),
   invalidates='status set')

# -- risk

op('GET', '/api/v1/risk/{claim_id}', 'Risk', 'Current risk score of a claim',
   'The newest score, or {"claim_id", "message": "Risk score not yet calculated"} (not cached).',
   ok={'200': {'description': 'The score, or the not-calculated answer.',
               'content': {'application/json': {'schema': {
                   'oneOf': [ref('RiskScore'), ref('RiskNotCalculated')]}}}}},
   cache='risk_score:{claim_id} (CACHE_TTL_RISK_SCORE)')
op('POST', '/api/v1/risk/{claim_id}/calculate', 'Risk', 'Score a claim',
   'Computes and stores a new score (engine.md §3); notifies risk_score_calculated.',
   ok=ok(ref('RiskCalculated')), invalidates='risk_score:{claim_id} (then set)')

# -- patterns

DAYS_BACK = qp('days_back', dict(INT, minimum=1, maximum=365, default=90),
               'Window in days (1..365).')
op('POST', '/api/v1/patterns/detect/{payer_id}', 'Patterns', 'Learn a payer\'s denial patterns',
   'Detection over the payer\'s adjudicated episodes in the window (engine.md §4.1).',
   params=[DAYS_BACK],
   ok=ok(obj({'payer_id': INT, 'payer_name': STR, 'patterns_detected': INT,
              'patterns': arr(ref('Pattern'))})),
   invalidates='pattern:payer:{id}, pattern:analysis:*')
op('POST', '/api/v1/patterns/detect-all', 'Patterns', 'Learn every payer\'s denial patterns',
   'Detection for every payer, by id ascending.', params=[DAYS_BACK],
   ok=ok(obj({'payers_processed': INT, 'total_patterns': INT,
              'patterns_by_payer': {'type': 'object', 'additionalProperties': INT}})),
   invalidates='pattern:payer:*, pattern:analysis:*')
op('GET', '/api/v1/patterns/payer/{payer_id}', 'Patterns', 'A payer\'s active patterns',
   'Active patterns, frequency descending then id ascending.',
   ok=ok(obj({'payer_id': INT, 'payer_name': STR, 'patterns': arr(ref('Pattern'))})),
   cache='pattern:payer:{id} (CACHE_TTL_PAYER)')
op('POST', '/api/v1/patterns/analyze-claim/{claim_id}', 'Patterns',
   'Match a claim against its payer\'s patterns',
   'Matching patterns by pattern_risk descending (engine.md §4.3).',
   ok=ok(obj({'claim_id': INT, 'payer_id': n(INT), 'matching_patterns_count': INT,
              'matching_patterns': arr(ref('PatternMatch'))})),
   cache='pattern:analysis:{claim_id} (CACHE_TTL_CLAIM)')

# -- payers and parser logs

op('GET', '/api/v1/payers', 'Payers and logs', 'List payers',
   'Payers by id ascending with their claim and remittance counts.',
   params=PAGE + [qp('q', STR, 'Name contains (any case), at most 200 characters.')],
   ok=ok(ref('PayerList')), cache='count:payer (only without q)')
op('GET', '/api/v1/parser-logs', 'Payers and logs', 'List parser logs',
   'Ingest issues and link outcomes, newest first.',
   params=PAGE + [
       qp('ingest_file_id', dict(INT, minimum=1), 'File id.'),
       qp('log_level', enum('info', 'warning', 'error'), 'Level.'),
       qp('issue_type', STR, 'Issue code, exact.'),
       qp('claim_id', dict(INT, minimum=1), 'Claim id.'),
       qp('remittance_id', dict(INT, minimum=1), 'Remittance id.')],
   ok=ok(ref('ParserLogList')))

# -- audit

op('GET', '/api/v1/audit-logs', 'Audit', 'List audit records',
   'Admin only. One record per response, newest first; identifiers are keyed hashes.',
   params=PAGE + [
       qp('method', STR, 'HTTP method (letters; upper-cased, exact).'),
       qp('path', {'type': 'string', 'maxLength': 500}, 'Substring of the path, literal.'),
       qp('status_code', dict(INT, minimum=100, maximum=599), 'Status code.'),
       qp('user_id', STR, 'Token subject, exact.'),
       qp('client_ip', STR, 'Client address, exact.'),
       ts_filter('start_date', 'From (inclusive, on created_at)'),
       ts_filter('end_date', 'To (inclusive)')],
   ok=ok(ref('AuditLogList')), auth='admin')
op('GET', '/api/v1/audit-logs/stats', 'Audit', 'Audit statistics',
   'Admin only. Requests of the last `days` days by method and status, unique users and '
   'addresses, average duration and requests per day.',
   params=[qp('days', dict(INT, minimum=1, maximum=365, default=7), 'Window (1..365).')],
   ok=ok(ref('AuditStats')), auth='admin')

# -- integrations

ADAPTER_TYPE = enum('ehr', 'clearinghouse')
op('POST', '/api/v1/integrations/connect', 'Integrations', 'Configure an adapter',
   'Adapters: (ehr, epic), (clearinghouse, change_healthcare), (clearinghouse, x12); names '
   'case-insensitive; an unknown pair is a 422. The config is kept in memory only.',
   body=JSON_BODY(obj({'adapter_type': ADAPTER_TYPE, 'adapter_name': STR,
                       'config': {'type': 'object', 'additionalProperties': STR}},
                      required=['adapter_type', 'adapter_name']), 'The adapter.'),
   ok=ok(ref('IntegrationStatus')), others=['PayloadTooLarge'])
op('GET', '/api/v1/integrations/test/{adapter_name}', 'Integrations', 'Test an adapter',
   'x12 is always connected; the others only with a registered implementation.',
   params=[qp('adapter_type', ADAPTER_TYPE, 'Default ehr.')],
   ok=ok(ref('IntegrationStatus')))
op('POST', '/api/v1/integrations/ehr/fetch-claims', 'Integrations', 'Fetch claims from the EHR',
   'Validates first (422); without a registered EHR implementation answers 501.',
   params=[qp('adapter_name', STR, 'EHR adapter name.', required=True),
           qp('start_date', DATE, 'From (inclusive).', required=True),
           qp('end_date', DATE, 'To (inclusive, >= start_date).', required=True)],
   body={'required': False, 'description': 'Optional filters (a JSON object).',
         'content': {'application/json': {'schema': OBJ}}},
   ok=ok(obj({'claims': arr(OBJ), 'count': INT})),
   others=[('501', 'No EHR adapter implementation is configured.')])
op('POST', '/api/v1/integrations/clearinghouse/submit/{claim_id}', 'Integrations',
   'Generate a claim\'s 837',
   'Builds the 837P or 837I of a stored claim (nothing is transmitted); another '
   'clearinghouse adapter without a registered implementation answers 501.',
   params=[qp('adapter_name', STR, 'Default x12.')],
   ok=ok(ref('ClearinghouseSubmission')),
   others=[('501', 'No implementation is registered for this adapter.')])

# -- auth

op('POST', '/api/v1/auth/token', 'Auth', 'Obtain a token',
   'Username and password (JSON or form) for an HS256 JWT. Wrong credentials 401; five '
   'failures in 15 minutes lock the username (429); without a JWT secret 501.',
   body={'required': True, 'description': 'Credentials.', 'content': {
       'application/json': {'schema': obj({'username': STR, 'password': STR})},
       'application/x-www-form-urlencoded': {'schema': obj(
           {'username': STR, 'password': STR, 'grant_type': enum('password')},
           required=['username', 'password'])}}},
   ok=ok(ref('Token')), auth='exempt',
   others=[('401', 'Invalid username or password.'),
           ('501', 'No JWT secret is configured.'), 'PayloadTooLarge'])

# -- documents and the dashboard

op('GET', '/api/v1/openapi.json', 'Dashboard and docs', 'This document',
   'The OpenAPI 3.0.3 description of every route; the WebSocket is under x-websocket.',
   ok={'200': {'description': 'The document.', 'content': {
       'application/json': {'schema': {'type': 'object'}}}}}, auth='exempt')
op('GET', '/openapi.json', 'Dashboard and docs', 'This document (alias)',
   'The same document as /api/v1/openapi.json.',
   ok={'200': {'description': 'The document.', 'content': {
       'application/json': {'schema': {'type': 'object'}}}}}, auth='exempt')
op('GET', '/docs', 'Dashboard and docs', 'API reference page',
   'An HTML page (no CDN) that renders this document by tag: operations, parameters, '
   'request bodies and responses.',
   ok={'200': {'description': 'The page.', 'content': HTML}}, auth='exempt')
op('GET', '/redoc', 'Dashboard and docs', 'Old reference address',
   'Moved to /docs.',
   ok={'301': {'description': 'Location: /docs.',
               'headers': {'Location': {'schema': enum('/docs')}}}}, auth='exempt')
op('GET', '/dashboard', 'Dashboard and docs', 'Dashboard',
   'The dashboard page, compiled into claimsd (DASHBOARD_DIR may replace its files). All its '
   'data comes from this API and the WebSocket; with authentication on it asks for a token.',
   ok={'200': {'description': 'The page (Content-Security-Policy: self only).',
               'content': HTML}}, auth='exempt')
op('GET', '/dashboard/{asset}', 'Dashboard and docs', 'Dashboard files',
   'One file of the embedded asset list, with its content type.',
   ok={'200': {'description': 'The file.', 'content': {
       'text/javascript': {'schema': {'type': 'string'}},
       'text/css': {'schema': {'type': 'string'}},
       'text/html': {'schema': {'type': 'string'}},
       'image/svg+xml': {'schema': {'type': 'string'}}}}},
   auth='exempt', others=[('404', 'Not an asset name.')])
op('GET', '/monitoring', 'Dashboard and docs', 'Old monitoring address',
   'Moved to /dashboard.',
   ok={'301': {'description': 'Location: /dashboard.',
               'headers': {'Location': {'schema': enum('/dashboard')}}}}, auth='exempt')

# ---------------------------------------------------------------- the WebSocket

WEBSOCKET = {
    '/ws/notifications': {
        'summary': 'Live notifications',
        'description': 'Broadcast of api.md §5 events ({type, timestamp, data, message}), '
                       'including those of background jobs. On open: a "connection" message. '
                       'A client text frame of valid JSON is acknowledged ("ack"); invalid '
                       'JSON or a binary frame answers "error"; over 64 KiB: "Message too '
                       'large" and close 1009. Ping every 30 s; an expired token closes with '
                       '4401. With authentication on, `?token=` or Authorization: Bearer on '
                       'the upgrade; missing or invalid is a 401 before any upgrade. Beyond '
                       'WS_MAX_CLIENTS: 503.',
        'tags': ['System'],
        'parameters': [qp('token', STR, 'A JWT (when authentication is required); never '
                                        'logged.')],
        'messages': ref('Notification'),
        'events': ['risk_score_calculated', 'claim_processed', 'remittance_processed',
                   'episode_linked', 'episode_completed', 'episode_status_changed',
                   'file_processed', 'file_progress', 'job_failed'],
        'responses': {'101': {'description': 'Switching protocols.'},
                      '401': {'$ref': '#/components/responses/Unauthorized'},
                      '503': error('Too many WebSocket clients.')},
    },
}

TAGS = [
    ('System', 'Service information, health, metrics and the dashboard\'s aggregates.'),
    ('Claims', 'Claims read from 837P and 837I files.'),
    ('Remittances', 'Claim payments read from 835 files.'),
    ('Episodes', 'Links between claims and remittances.'),
    ('Risk', 'Denial risk scores (engine.md §3).'),
    ('Patterns', 'Denial patterns learned per payer (engine.md §4).'),
    ('Uploads and jobs', 'X12 uploads and background ingest jobs.'),
    ('Payers and logs', 'Payers and ingest logs.'),
    ('Cache', 'The in-process cache\'s statistics.'),
    ('Audit', 'The audit trail (admin).'),
    ('Integrations', 'EHR and clearinghouse adapters.'),
    ('Auth', 'Tokens.'),
    ('Dashboard and docs', 'The dashboard, this document and its reference page.'),
]


def document(version):
    return {
        'openapi': '3.0.3',
        'info': {
            'title': 'libclaims',
            'version': version,
            'description': 'Claims, remittances, episodes, risk and denial patterns of a '
                           'clinic (claimsd). JSON everywhere except uploads, /metrics, the '
                           'dashboard and these documents. Errors are {"error", "message", '
                           '"details"}; lists are {"<items>", "total", "skip", "limit"}; '
                           'money has two decimals; timestamps are UTC with Z.',
            'license': {'name': 'Apache-2.0'},
        },
        'servers': [{'url': '/'}],
        'tags': [{'name': t, 'description': d} for t, d in TAGS],
        'security': [{'bearerAuth': []}],
        'paths': PATHS,
        'components': {
            'securitySchemes': {'bearerAuth': {
                'type': 'http', 'scheme': 'bearer', 'bearerFormat': 'JWT',
                'description': 'Required only when REQUIRE_AUTH=true; obtain one from '
                               'POST /api/v1/auth/token.'}},
            'schemas': SCHEMAS,
            'parameters': PARAMETERS,
            'responses': RESPONSES,
        },
        'x-websocket': WEBSOCKET,
    }


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: openapi.py VERSION OUTPUT')
    text = json.dumps(document(sys.argv[1]), ensure_ascii=False, separators=(',', ':'))
    with open(sys.argv[2], 'w', encoding='utf-8') as f:
        f.write(text + '\n')


if __name__ == '__main__':
    main()

-- 0001_initial: every table of schema.md §2, the 0001 indexes, the meta seed and the CARC seed (engine.md §2.2).

CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  applied_at TEXT NOT NULL CHECK (applied_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 64),
  password_hash TEXT NOT NULL,  -- crypto_pwhash_str output (argon2id)
  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin','user')),
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  tokens_valid_after TEXT CHECK (tokens_valid_after GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  last_login_at TEXT CHECK (last_login_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE providers (
  id INTEGER PRIMARY KEY,
  npi TEXT UNIQUE,
  tax_id TEXT,
  name TEXT NOT NULL,
  entity_type INTEGER CHECK (entity_type IN (1, 2)),
  specialty TEXT,
  taxonomy_code TEXT,
  npi_valid INTEGER NOT NULL DEFAULT 0 CHECK (npi_valid IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  CHECK (npi IS NOT NULL OR tax_id IS NOT NULL)
) STRICT;

CREATE UNIQUE INDEX ux_providers_tax_id ON providers(tax_id) WHERE npi IS NULL;

CREATE TABLE payers (
  id INTEGER PRIMARY KEY,
  payer_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  payer_type TEXT,
  rules_config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(rules_config)),  -- engine.md §3.3
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE plans (
  id INTEGER PRIMARY KEY,
  payer_id INTEGER NOT NULL REFERENCES payers(id),
  plan_name TEXT,
  plan_type TEXT,
  benefit_rules TEXT CHECK (benefit_rules IS NULL OR json_valid(benefit_rules)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE practice_configs (
  id INTEGER PRIMARY KEY,
  practice_id TEXT NOT NULL UNIQUE,
  practice_name TEXT NOT NULL,
  segment_expectations TEXT CHECK (segment_expectations IS NULL OR json_valid(segment_expectations)),
  payer_specific_rules TEXT CHECK (payer_specific_rules IS NULL OR json_valid(payer_specific_rules)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE carc_codes (
  code TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  category TEXT NOT NULL CHECK (category IN ('contractual','patient_responsibility','coding',
    'eligibility','authorization','medical_necessity','timely_filing','duplicate',
    'coordination_of_benefits','non_covered','bundling','missing_information','other')),
  is_denial INTEGER NOT NULL DEFAULT 0 CHECK (is_denial IN (0, 1)),
  CHECK (is_denial = (category NOT IN ('contractual','patient_responsibility','other')))
) STRICT, WITHOUT ROWID;

CREATE TABLE ingest_files (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  filename TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  detected_type TEXT CHECK (detected_type IN ('837P','837I','835','mixed','unknown')),
  mode TEXT NOT NULL CHECK (mode IN ('tolerant','strict')),
  status TEXT NOT NULL CHECK (status IN ('received','processing','ingested','refused','failed')),
  error_code TEXT,
  error_message TEXT,
  counts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),  -- IngestCounts
  issue_count INTEGER NOT NULL DEFAULT 0,
  attempt_count INTEGER NOT NULL DEFAULT 1,
  raw_data BLOB NOT NULL,
  raw_encrypted INTEGER NOT NULL DEFAULT 0 CHECK (raw_encrypted IN (0, 1)),
  uploaded_by TEXT,
  practice_id TEXT REFERENCES practice_configs(practice_id),
  received_at TEXT NOT NULL CHECK (received_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  completed_at TEXT CHECK (completed_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE ingest_jobs (
  id INTEGER PRIMARY KEY,
  ingest_file_id INTEGER NOT NULL REFERENCES ingest_files(id),
  expected_type TEXT NOT NULL CHECK (expected_type IN ('837','835','any')),
  status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed')),
  stage TEXT NOT NULL CHECK (stage IN ('queued','parsing','saving','linking','complete')),
  progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  error TEXT CHECK (error IS NULL OR json_valid(error)),
  created_by TEXT,
  started_at TEXT CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  finished_at TEXT CHECK (finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE claims (
  id INTEGER PRIMARY KEY,
  ingest_file_id INTEGER REFERENCES ingest_files(id),
  transaction_type TEXT NOT NULL CHECK (transaction_type IN ('837P','837I')),
  provider_key TEXT NOT NULL,
  payer_key TEXT NOT NULL,
  claim_control_number TEXT NOT NULL,
  patient_control_number TEXT NOT NULL,
  pcn_key TEXT NOT NULL,  -- normalized for linking, engine.md §1.2
  patient_key TEXT,  -- normalized for linking, engine.md §1.2
  provider_id INTEGER REFERENCES providers(id),
  payer_id INTEGER REFERENCES payers(id),
  practice_id TEXT REFERENCES practice_configs(practice_id),
  total_charge_cents INTEGER,
  facility_type_code TEXT,
  facility_code_qualifier TEXT,
  claim_frequency_type TEXT,
  provider_signature TEXT,
  assignment_code TEXT,
  benefits_assignment TEXT,
  release_of_info TEXT,
  related_causes TEXT,
  delay_reason_code TEXT,
  original_reference_number TEXT,
  prior_authorization TEXT,
  referral_number TEXT,
  medical_record_number TEXT,
  statement_date TEXT CHECK (statement_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  statement_date_to TEXT CHECK (statement_date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  admission_date TEXT CHECK (admission_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  admission_hour TEXT,
  discharge_date TEXT CHECK (discharge_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  discharge_hour TEXT,
  service_date TEXT CHECK (service_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  service_date_to TEXT CHECK (service_date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  onset_date TEXT CHECK (onset_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  last_menstrual_date TEXT CHECK (last_menstrual_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  submitted_date TEXT CHECK (submitted_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  admission_type TEXT,
  admission_source TEXT,
  patient_status TEXT,
  principal_diagnosis TEXT,
  payer_responsibility TEXT,
  relationship_code TEXT,
  claim_filing_indicator TEXT,
  other_payers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(other_payers)),
  subscriber_member_id TEXT,
  patient_last_name TEXT,
  patient_first_name TEXT,
  patient_dob TEXT CHECK (patient_dob GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  patient_gender TEXT,
  billing_provider_npi TEXT,
  billing_tax_id TEXT,
  rendering_provider_npi TEXT,
  attending_provider_npi TEXT,
  operating_provider_npi TEXT,
  referring_provider_npi TEXT,
  service_facility_npi TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','processed','denied','reversed','void')),
  is_incomplete INTEGER NOT NULL DEFAULT 0 CHECK (is_incomplete IN (0, 1)),
  parsing_warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(parsing_warnings)),  -- issue records
  version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
  submission_count INTEGER NOT NULL DEFAULT 1 CHECK (submission_count >= 1),
  content_sha256 TEXT NOT NULL,
  raw_edi BLOB,
  raw_encrypted INTEGER NOT NULL DEFAULT 0 CHECK (raw_encrypted IN (0, 1)),
  voided_at TEXT CHECK (voided_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (provider_key, claim_control_number, payer_key)
) STRICT;

CREATE TABLE claim_diagnoses (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
  sequence INTEGER NOT NULL CHECK (sequence >= 1),  -- order of all HI entries
  diagnosis_pointer INTEGER CHECK (diagnosis_pointer >= 1),  -- x12.md §6.4
  qualifier TEXT NOT NULL,
  code TEXT NOT NULL,
  code_system TEXT NOT NULL CHECK (code_system IN ('ICD10CM','ICD9CM','ICD10PCS','ICD9PCS','NUBC','DRG','OTHER')),
  role TEXT NOT NULL CHECK (role IN ('principal','other','admitting','reason_for_visit',
    'external_cause','principal_procedure','other_procedure','occurrence','occurrence_span',
    'value','condition','drg','treatment','unknown')),
  poa TEXT,
  code_date TEXT CHECK (code_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  amount_cents INTEGER,
  is_valid INTEGER NOT NULL DEFAULT 0 CHECK (is_valid IN (0, 1)),
  UNIQUE (claim_id, sequence)
) STRICT;

CREATE TABLE claim_lines (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
  line_number INTEGER NOT NULL CHECK (line_number >= 1),
  lx_number INTEGER,
  revenue_code TEXT,
  procedure_qualifier TEXT,
  procedure_code TEXT,
  procedure_modifier TEXT,
  modifiers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(modifiers)),
  charge_cents INTEGER,
  unit_type TEXT,
  unit_count REAL,
  place_of_service TEXT,
  diagnosis_pointers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(diagnosis_pointers)),
  service_date TEXT CHECK (service_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  service_date_to TEXT CHECK (service_date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  line_item_control_number TEXT,
  rendering_provider_npi TEXT,
  procedure_code_valid INTEGER CHECK (procedure_code_valid IN (0,1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (claim_id, line_number)
) STRICT;

CREATE TABLE claim_history (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  version INTEGER NOT NULL,
  ingest_file_id INTEGER REFERENCES ingest_files(id),
  action TEXT NOT NULL CHECK (action IN ('created','resubmitted','replaced','voided')),
  claim_frequency_type TEXT,
  total_charge_cents INTEGER,
  content_sha256 TEXT NOT NULL,
  snapshot TEXT NOT NULL CHECK (json_valid(snapshot)),
  raw_edi BLOB,
  raw_encrypted INTEGER NOT NULL DEFAULT 0 CHECK (raw_encrypted IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (claim_id, version)
) STRICT;

CREATE TABLE remittances (
  id INTEGER PRIMARY KEY,
  ingest_file_id INTEGER REFERENCES ingest_files(id),
  dedup_key TEXT NOT NULL UNIQUE,
  payer_id INTEGER NOT NULL REFERENCES payers(id),
  provider_id INTEGER REFERENCES providers(id),  -- payee, when known
  claim_control_number TEXT NOT NULL,
  pcn_key TEXT NOT NULL,
  patient_key TEXT,
  claim_status_code TEXT,
  claim_charge_cents INTEGER,  -- NULL if missing/invalid
  payment_amount_cents INTEGER,  -- NULL if missing/invalid
  patient_responsibility_cents INTEGER,
  claim_filing_indicator TEXT,
  payer_claim_control_number TEXT,
  facility_type_code TEXT,
  claim_frequency_type TEXT,
  drg_code TEXT,
  payer_name TEXT,
  check_number TEXT,
  trace_originator TEXT,
  handling_code TEXT,
  total_payment_cents INTEGER,
  credit_debit TEXT,
  payment_method TEXT,
  payment_date TEXT CHECK (payment_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  payee_name TEXT,
  payee_npi TEXT,
  payee_tax_id TEXT,
  patient_last_name TEXT,
  patient_first_name TEXT,
  patient_member_id TEXT,
  rendering_provider_npi TEXT,
  crossover_payer_name TEXT,
  service_date_from TEXT CHECK (service_date_from GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  service_date_to TEXT CHECK (service_date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  received_date TEXT CHECK (received_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  remark_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(remark_codes)),
  amounts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(amounts)),
  interchange_control_number TEXT,
  transaction_control_number TEXT,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','processed','unmatched','ambiguous')),
  is_incomplete INTEGER NOT NULL DEFAULT 0 CHECK (is_incomplete IN (0, 1)),
  parsing_warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(parsing_warnings)),
  raw_edi BLOB,
  raw_encrypted INTEGER NOT NULL DEFAULT 0 CHECK (raw_encrypted IN (0, 1)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE remittance_service_lines (
  id INTEGER PRIMARY KEY,
  remittance_id INTEGER NOT NULL REFERENCES remittances(id) ON DELETE CASCADE,
  line_number INTEGER NOT NULL CHECK (line_number >= 1),
  procedure_qualifier TEXT,
  procedure_code TEXT,
  modifiers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(modifiers)),
  revenue_code TEXT,
  charge_cents INTEGER,
  paid_cents INTEGER,
  units REAL,
  original_procedure TEXT,
  original_units REAL,
  service_date TEXT CHECK (service_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  service_date_to TEXT CHECK (service_date_to GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  line_item_control_number TEXT,
  allowed_cents INTEGER,
  remark_codes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(remark_codes)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (remittance_id, line_number)
) STRICT;

CREATE TABLE adjustments (
  id INTEGER PRIMARY KEY,
  remittance_id INTEGER NOT NULL REFERENCES remittances(id) ON DELETE CASCADE,
  service_line_id INTEGER REFERENCES remittance_service_lines(id) ON DELETE CASCADE,
  level TEXT NOT NULL CHECK (level IN ('claim','service')),
  group_code TEXT NOT NULL CHECK (group_code IN ('CO','PR','OA','PI','CR')),
  reason_code TEXT NOT NULL,
  amount_cents INTEGER NOT NULL,
  quantity REAL,
  segment_ordinal INTEGER NOT NULL,
  triplet_index INTEGER NOT NULL CHECK (triplet_index BETWEEN 1 AND 6),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  CHECK ((level = 'claim') = (service_line_id IS NULL))
) STRICT;

CREATE TABLE provider_adjustments (
  id INTEGER PRIMARY KEY,
  ingest_file_id INTEGER REFERENCES ingest_files(id),
  dedup_key TEXT NOT NULL UNIQUE,
  payer_id INTEGER NOT NULL REFERENCES payers(id),
  provider_id INTEGER REFERENCES providers(id),
  provider_identifier TEXT NOT NULL,  -- PLB01
  fiscal_period_date TEXT CHECK (fiscal_period_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
  reason_code TEXT NOT NULL,
  reference_id TEXT,
  amount_cents INTEGER NOT NULL,
  check_number TEXT,
  transaction_control_number TEXT,
  pair_index INTEGER NOT NULL CHECK (pair_index BETWEEN 1 AND 6),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE claim_episodes (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  remittance_id INTEGER NOT NULL UNIQUE REFERENCES remittances(id),  -- one claim per remittance
  status TEXT NOT NULL CHECK (status IN ('pending','linked','complete','denied','reversed')),
  link_method TEXT NOT NULL CHECK (link_method IN ('control_number','control_number_any_payer',
    'patient_match','manual')),
  linked_at TEXT CHECK (linked_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  payment_amount_cents INTEGER,  -- CLP04, NULL when the remittance has none
  denial_count INTEGER NOT NULL DEFAULT 0 CHECK (denial_count >= 0),
  adjustment_count INTEGER NOT NULL DEFAULT 0 CHECK (adjustment_count >= 0),
  reversed_by_episode_id INTEGER REFERENCES claim_episodes(id),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (claim_id, remittance_id)
) STRICT;

CREATE TABLE denial_patterns (
  id INTEGER PRIMARY KEY,
  payer_id INTEGER NOT NULL REFERENCES payers(id),
  pattern_type TEXT NOT NULL DEFAULT 'denial_reason',
  pattern_description TEXT NOT NULL,
  denial_reason_code TEXT NOT NULL,
  occurrence_count INTEGER NOT NULL CHECK (occurrence_count >= 0),
  adjudicated_count INTEGER NOT NULL CHECK (adjudicated_count >= occurrence_count),
  frequency REAL NOT NULL CHECK (frequency BETWEEN 0 AND 1),
  confidence_score REAL NOT NULL CHECK (confidence_score BETWEEN 0 AND 1),
  conditions TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(conditions)),
  window_days INTEGER NOT NULL,
  is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  first_seen TEXT NOT NULL CHECK (first_seen GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  last_seen TEXT NOT NULL CHECK (last_seen GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  UNIQUE (payer_id, pattern_type, denial_reason_code)
) STRICT;

CREATE TABLE risk_scores (
  id INTEGER PRIMARY KEY,
  claim_id INTEGER NOT NULL REFERENCES claims(id),
  claim_version INTEGER NOT NULL,
  overall_score REAL NOT NULL CHECK (overall_score BETWEEN 0 AND 100),
  risk_level TEXT NOT NULL CHECK (risk_level IN ('low','medium','high','critical')),
  coding_risk REAL NOT NULL CHECK (coding_risk BETWEEN 0 AND 100),
  documentation_risk REAL NOT NULL CHECK (documentation_risk BETWEEN 0 AND 100),
  payer_risk REAL NOT NULL CHECK (payer_risk BETWEEN 0 AND 100),
  historical_risk REAL NOT NULL CHECK (historical_risk BETWEEN 0 AND 100),
  pattern_risk REAL NOT NULL CHECK (pattern_risk BETWEEN 0 AND 100),
  risk_factors TEXT NOT NULL CHECK (json_valid(risk_factors)),
  recommendations TEXT NOT NULL CHECK (json_valid(recommendations)),
  weights TEXT NOT NULL CHECK (json_valid(weights)),
  model_version TEXT NOT NULL,
  model_confidence REAL,
  calculated_at TEXT NOT NULL CHECK (calculated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE parser_logs (
  id INTEGER PRIMARY KEY,
  ingest_file_id INTEGER REFERENCES ingest_files(id),
  file_name TEXT NOT NULL,
  file_type TEXT CHECK (file_type IN ('837P','837I','835')),
  log_level TEXT NOT NULL CHECK (log_level IN ('info','warning','error')),
  segment_type TEXT,  -- segment_id of the issue
  issue_type TEXT NOT NULL,  -- issue code
  message TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),  -- {"interchange","transaction","segment_index","byte_offset","element","details"} of the issue
  claim_control_number TEXT,
  practice_id TEXT,
  claim_id INTEGER REFERENCES claims(id),
  remittance_id INTEGER REFERENCES remittances(id),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE TABLE audit_logs (
  id INTEGER PRIMARY KEY,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status_code INTEGER NOT NULL CHECK (status_code BETWEEN 100 AND 599),
  duration REAL NOT NULL,
  user_id TEXT,
  client_ip TEXT,
  request_identifier TEXT,
  response_identifier TEXT,
  request_hashed_identifiers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(request_hashed_identifiers)),
  response_hashed_identifiers TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(response_hashed_identifiers)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')) CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z')
) STRICT;

CREATE INDEX ix_claims_claim_control_number ON claims(claim_control_number);
CREATE INDEX ix_claims_patient_control_number ON claims(patient_control_number);
CREATE INDEX ix_claims_status ON claims(status);
CREATE INDEX ix_remittances_claim_control_number ON remittances(claim_control_number);
CREATE INDEX ix_remittances_status ON remittances(status);
CREATE INDEX ix_claim_episodes_status ON claim_episodes(status);
CREATE INDEX ix_risk_scores_risk_level ON risk_scores(risk_level);
CREATE INDEX ix_parser_logs_created_at ON parser_logs(created_at);
CREATE INDEX ix_adjustments_remittance_id ON adjustments(remittance_id);
CREATE INDEX ix_adjustments_service_line_id ON adjustments(service_line_id);
CREATE INDEX ix_provider_adjustments_payer_id ON provider_adjustments(payer_id);
CREATE INDEX ix_parser_logs_ingest_file_id ON parser_logs(ingest_file_id);
CREATE INDEX ix_ingest_jobs_status ON ingest_jobs(status);
CREATE INDEX ix_claim_history_ingest_file_id ON claim_history(ingest_file_id);

INSERT INTO meta (key, value) VALUES ('write_epoch', '0');

INSERT INTO carc_codes (code, description, category, is_denial) VALUES
  ('1', 'deductible', 'patient_responsibility', 0),
  ('2', 'coinsurance', 'patient_responsibility', 0),
  ('3', 'co-payment', 'patient_responsibility', 0),
  ('66', 'blood deductible', 'patient_responsibility', 0),
  ('24', 'covered by a capitation or managed-care agreement', 'contractual', 0),
  ('45', 'charge above fee schedule / maximum allowable', 'contractual', 0),
  ('59', 'reduced under multiple/concurrent procedure rules', 'contractual', 0),
  ('94', 'processed in excess of charges', 'contractual', 0),
  ('131', 'claim-specific negotiated discount', 'contractual', 0),
  ('237', 'legislated or regulatory penalty', 'contractual', 0),
  ('253', 'sequestration (federal reduction)', 'contractual', 0),
  ('23', 'effect of a prior payer''s adjudication', 'other', 0),
  ('100', 'payment made to the patient', 'other', 0),
  ('225', 'penalty or interest paid by the payer', 'other', 0),
  ('4', 'modifier inconsistent with procedure, or missing', 'coding', 1),
  ('5', 'procedure or bill type inconsistent with place of service', 'coding', 1),
  ('6', 'procedure inconsistent with patient age', 'coding', 1),
  ('7', 'procedure inconsistent with patient gender', 'coding', 1),
  ('11', 'diagnosis inconsistent with procedure', 'coding', 1),
  ('146', 'diagnosis invalid for the date of service', 'coding', 1),
  ('181', 'procedure code invalid on the date of service', 'coding', 1),
  ('182', 'modifier invalid on the date of service', 'coding', 1),
  ('189', 'unlisted code billed where a specific code exists', 'coding', 1),
  ('199', 'revenue code and procedure code do not match', 'coding', 1),
  ('97', 'paid as part of another adjudicated service', 'bundling', 1),
  ('231', 'mutually exclusive procedures, same day', 'bundling', 1),
  ('234', 'procedure not paid separately', 'bundling', 1),
  ('236', 'code or modifier combination not allowed with another same-day procedure', 'bundling', 1),
  ('26', 'service before coverage began', 'eligibility', 1),
  ('27', 'service after coverage ended', 'eligibility', 1),
  ('31', 'patient not identified as insured', 'eligibility', 1),
  ('32', 'dependent not eligible', 'eligibility', 1),
  ('33', 'no dependent coverage', 'eligibility', 1),
  ('140', 'member id and name do not match', 'eligibility', 1),
  ('177', 'eligibility requirements not met', 'eligibility', 1),
  ('200', 'service during a lapse in coverage', 'eligibility', 1),
  ('15', 'authorization number missing, invalid or not matching', 'authorization', 1),
  ('39', 'denied when authorization was requested', 'authorization', 1),
  ('197', 'precertification / authorization absent', 'authorization', 1),
  ('198', 'precertification / authorization exceeded', 'authorization', 1),
  ('50', 'not medically necessary per payer', 'medical_necessity', 1),
  ('55', 'experimental or investigational', 'medical_necessity', 1),
  ('56', 'not proven effective', 'medical_necessity', 1),
  ('150', 'documentation does not support the level of service', 'medical_necessity', 1),
  ('151', 'documentation does not support the number or frequency of services', 'medical_necessity', 1),
  ('167', 'diagnosis not covered', 'medical_necessity', 1),
  ('29', 'filing time limit expired', 'timely_filing', 1),
  ('18', 'exact duplicate claim or service', 'duplicate', 1),
  ('19', 'work injury, workers'' compensation liable', 'coordination_of_benefits', 1),
  ('22', 'may be covered by another payer (COB)', 'coordination_of_benefits', 1),
  ('109', 'not covered by this payer, send to the correct one', 'coordination_of_benefits', 1),
  ('35', 'lifetime benefit maximum reached', 'non_covered', 1),
  ('49', 'routine or preventive service not covered', 'non_covered', 1),
  ('96', 'non-covered charges', 'non_covered', 1),
  ('119', 'benefit maximum for the period reached', 'non_covered', 1),
  ('185', 'rendering provider not eligible for this service', 'non_covered', 1),
  ('204', 'not covered by the current benefit plan', 'non_covered', 1),
  ('16', 'claim lacks information or has billing errors', 'missing_information', 1),
  ('206', 'NPI missing', 'missing_information', 1),
  ('207', 'NPI invalid', 'missing_information', 1),
  ('208', 'NPI not matched', 'missing_information', 1),
  ('226', 'requested information not sent by the provider', 'missing_information', 1),
  ('227', 'requested information not sent by the patient', 'missing_information', 1),
  ('252', 'attachment or documentation required', 'missing_information', 1);

/*
 * libclaims internal: the records the 837 and 835 mappings produce and the
 * ingest loader stores (spec/x12.md §6, §7, §9; spec/schema.md §2).
 *
 * A record is built in an arena owned by its mapper and handed to the
 * loader's callback when complete; everything it points to is valid only
 * during that callback.  Strings are NUL-terminated UTF-8 (the reader has
 * already replaced control bytes and bad UTF-8), NULL meaning SQL NULL.
 * Money is int64 cents with a has_* flag; NULL amounts (missing or invalid)
 * have has_* = false and cents = 0.
 */
#ifndef CLAIMS_INGEST_RECORDS_H
#define CLAIMS_INGEST_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "claims/x12.h"

/* An amount that may be NULL. */
struct claims__money {
	bool has;
	int64_t cents;
};

/* A copy of one issue, kept on the record it is about (parsing_warnings). */
struct claims__issue_copy {
	claims_x12_code code_id;
	const char *code;
	claims_x12_severity severity;
	int64_t interchange, transaction, segment_index, byte_offset; /* 0 / -1 = null as in x12.h */
	const char *segment_id; /* NULL = null */
	const char *element;    /* NULL = null */
	const char *message;
	const char *details;    /* JSON object text */
};

struct claims__issue_list {
	struct claims__issue_copy *items;
	size_t count;
};

/* ---------------------------------------------------------------- 837 */

/* The billing provider of a claim (2010AA), upserted into providers. */
struct claims__provider_rec {
	const char *npi;          /* NM109 when NM108 = XX */
	const char *tax_id;       /* REF*EI, or NM109 when NM108 = 24 (4010) */
	const char *name;         /* NM103 (+ " " + NM104 for persons) */
	int entity_type;          /* NM102: 1 person, 2 organization, 0 = null */
	const char *taxonomy_code; /* PRV03 of PRV*BI */
	bool npi_valid;
};

/* The claim's payer (2010BB NM1*PR). */
struct claims__payer_rec {
	const char *payer_id; /* NM109, NULL when missing (MISSING_PAYER) */
	const char *name;     /* NM103 */
};

struct claims__diagnosis_rec {
	int sequence;          /* order of all HI entries of the claim, 1-based */
	int pointer;           /* diagnosis_pointer, 0 = null (roles not numbered) */
	const char *qualifier; /* HIxx-1 */
	const char *code;      /* normalised (no '.', upper case) */
	const char *code_system; /* ICD10CM ICD9CM ICD10PCS ICD9PCS NUBC DRG OTHER */
	const char *role;      /* principal other admitting reason_for_visit ... unknown */
	const char *poa;       /* HIxx-9 */
	const char *code_date; /* HIxx-4 when HIxx-3 = D8, YYYY-MM-DD */
	struct claims__money amount; /* HIxx-5 */
	bool is_valid;
};

struct claims__line_rec {
	int line_number;  /* 1-based within the claim */
	int lx_number;    /* LX01, 0 = null */
	const char *revenue_code;
	const char *procedure_qualifier;
	const char *procedure_code;
	const char *modifiers[4];
	int n_modifiers;  /* procedure_modifier = modifiers[0] */
	struct claims__money charge;
	const char *unit_type;
	bool has_unit_count;
	double unit_count;
	const char *place_of_service;
	int diagnosis_pointers[4];
	int n_pointers;
	const char *service_date, *service_date_to;
	const char *line_item_control_number; /* REF*6R */
	const char *rendering_provider_npi;   /* line NM1*82 */
	int procedure_code_valid;             /* -1 = null, 0, 1 */
};

/* One entry of other_payers (2320/2330B). */
struct claims__other_payer_rec {
	const char *responsibility; /* SBR01 of the 2320 loop */
	const char *payer_id;       /* NM1*PR NM109 */
	const char *payer_name;     /* NM1*PR NM103 */
	struct claims__money paid;  /* AMT*D */
};

struct claims__claim_rec {
	claims_x12_type type;             /* CLAIMS_X12_TYPE_837P or _837I */
	int64_t interchange, transaction; /* ordinals, for issue locations */
	int64_t first_segment_index;      /* of the CLM */

	/* identity (x12.md §9.2) */
	const char *provider_key; /* billing NPI, else "TIN:" + tax id, else "UNKNOWN" */
	const char *payer_key;    /* 2010BB NM109 or "" */
	const char *claim_control_number; /* CLM01 trimmed */
	const char *pcn_key;      /* upper-cased, whitespace removed (engine.md §1.2) */
	const char *patient_key;  /* LAST|FIRST, letters A-Z only; NULL unless both */

	struct claims__provider_rec provider;
	struct claims__payer_rec payer;

	struct claims__money total_charge; /* CLM02 */
	const char *facility_type_code, *facility_code_qualifier, *claim_frequency_type;
	const char *provider_signature, *assignment_code, *benefits_assignment, *release_of_info;
	const char *related_causes, *delay_reason_code;
	const char *original_reference_number, *prior_authorization, *referral_number;
	const char *medical_record_number;
	const char *statement_date, *statement_date_to, *admission_date, *admission_hour;
	const char *discharge_date, *discharge_hour, *service_date, *service_date_to;
	const char *onset_date, *last_menstrual_date, *submitted_date;
	const char *admission_type, *admission_source, *patient_status;
	const char *principal_diagnosis;
	const char *payer_responsibility, *relationship_code, *claim_filing_indicator;
	const char *subscriber_member_id, *patient_last_name, *patient_first_name;
	const char *patient_dob, *patient_gender;
	const char *billing_provider_npi, *billing_tax_id, *rendering_provider_npi;
	const char *attending_provider_npi, *operating_provider_npi, *referring_provider_npi;
	const char *service_facility_npi;

	struct claims__other_payer_rec *other_payers;
	size_t n_other_payers;
	struct claims__diagnosis_rec *diagnoses;
	size_t n_diagnoses;
	struct claims__line_rec *lines;
	size_t n_lines;

	/* SHA-256 (lower-case hex) of the subscriber/patient context segments
	 * and the claim's own segments, re-serialised with * : ^ ~ and
	 * trailing empty elements dropped (x12.md §9.2). */
	char content_sha256[65];
	/* Those segments, re-serialised the same way (claim_history.raw_edi). */
	const char *raw_edi;
	size_t raw_edi_len;

	/* Issues located in the claim's segments and its balancing checks. */
	struct claims__issue_list issues;
	bool is_incomplete; /* at least one error issue */
};

/*
 * The service dates of a claim without a claim-level DTP*472: the earliest
 * line start and the latest line end, else the statement dates, else NULL.
 * The 837 mapping stores them and the 837 writer leaves out a DTP*472 that
 * would say the same, so both call this one rule (map837.c).
 */
void claims__claim_derived_service_dates(const struct claims__claim_rec *c, const char **from,
					 const char **to);

/* ---------------------------------------------------------------- 835 */

/* What one 835 transaction set says about itself (BPR, TRN, N1 loops). */
struct claims__remit_header {
	int64_t interchange, transaction;
	const char *interchange_control_number; /* ISA13 */
	const char *transaction_control_number; /* ST02 */
	const char *handling_code;              /* BPR01 */
	struct claims__money total_payment;     /* BPR02, signed by BPR03 (C credit, D debit) */
	const char *credit_debit;               /* BPR03 */
	const char *payment_method;             /* BPR04 */
	const char *payment_date;               /* BPR16, else DTM*405 */
	const char *check_number;               /* TRN02 */
	const char *trace_originator;           /* TRN03 */
	const char *payer_id;   /* REF*2U, else N1*PR N104, else TRN03; NULL = none (PAYER_ID_MISSING) */
	const char *payer_name; /* N1*PR N102 */
	const char *payee_name, *payee_npi, *payee_tax_id;
};

struct claims__adjustment_rec {
	const char *group_code;  /* CO PR OA PI CR */
	const char *reason_code; /* CARC */
	int64_t amount_cents;
	bool has_quantity;
	double quantity;
	int segment_ordinal;     /* 1-based ordinal of the CAS within its remittance */
	int triplet_index;       /* 1..6 */
};

struct claims__service_rec {
	int line_number; /* 1-based within the remittance */
	const char *procedure_qualifier, *procedure_code;
	const char *modifiers[4];
	int n_modifiers;
	const char *revenue_code;
	struct claims__money charge, paid, allowed;
	bool has_units;
	double units;                /* SVC05, empty -> 1 */
	const char *original_procedure; /* SVC06 as text */
	bool has_original_units;
	double original_units;
	const char *service_date, *service_date_to;
	const char *line_item_control_number; /* REF*6R */
	const char **remark_codes;
	size_t n_remark_codes;
	struct claims__adjustment_rec *adjustments; /* service-level */
	size_t n_adjustments;
};

struct claims__remit_rec {
	const struct claims__remit_header *header;
	int64_t first_segment_index; /* of the CLP */
	int occurrence;              /* 1, 2, ... among identical CLPs of the set (§9.3) */
	char dedup_key[65];          /* SHA-256 hex of §9.3 */

	const char *claim_control_number; /* CLP01 */
	const char *pcn_key, *patient_key;
	const char *claim_status_code;    /* CLP02 */
	struct claims__money claim_charge, payment, patient_responsibility; /* CLP03-05 */
	const char *claim_filing_indicator;     /* CLP06 */
	const char *payer_claim_control_number; /* CLP07, else REF*1K */
	const char *facility_type_code, *claim_frequency_type, *drg_code; /* CLP08, 09, 11 */
	const char *patient_last_name, *patient_first_name, *patient_member_id;
	const char *rendering_provider_npi, *crossover_payer_name;
	const char *service_date_from, *service_date_to, *received_date;
	const char **remark_codes; /* MIA/MOA RARCs, distinct, in order */
	size_t n_remark_codes;
	const char *amounts_json;  /* {"AU": 912.00, ...}, "{}" when none */

	struct claims__adjustment_rec *adjustments; /* claim-level */
	size_t n_adjustments;
	struct claims__service_rec *services;
	size_t n_services;

	const char *raw_edi; /* the CLP's segments re-serialised with * : ^ ~ */
	size_t raw_edi_len;

	struct claims__issue_list issues;
	bool is_incomplete;
};

/* One PLB pair. */
struct claims__plb_rec {
	const struct claims__remit_header *header;
	const char *provider_identifier; /* PLB01 */
	const char *fiscal_period_date;  /* PLB02 */
	const char *reason_code;         /* PLB03-1 ... */
	const char *reference_id;        /* PLB03-2 ... */
	int64_t amount_cents;
	int pair_index;                  /* 1..6 */
	int occurrence;
	char dedup_key[65];
};

#endif

/*
 * JSON rendering of the engine's results (spec/api.md §2 RiskScore, Pattern,
 * PatternMatch, and the route answers of §4.5-§4.7), shared by claims and
 * claimsd.  Each function returns a malloc'd string (free with free()) or
 * NULL when out of memory.
 */
#ifndef CLAIMS_APP_RENDER_ENGINE_H
#define CLAIMS_APP_RENDER_ENGINE_H

#include <claims/engine.h>

/* RiskScore. */
char *render_risk_score(const claims_risk_score *s);
/* {"claim_id", "overall_score", "risk_level", "status": "calculated", "component_scores", "calculated_at"} */
char *render_risk_calculated(const claims_risk_score *s);
/* {"claim_id", "message": "Risk score not yet calculated"} */
char *render_risk_none(int64_t claim_id);

/* detect: {"payer_id", "payer_name", "patterns_detected", "patterns": [Pattern]};
 * list: {"payer_id", "payer_name", "patterns": [Pattern]}. */
char *render_pattern_list(const claims_pattern_list *l, bool detected);
/* {"payers_processed", "total_patterns", "patterns_by_payer": {"<id>": n}} */
char *render_pattern_detect_all(const claims_pattern_detect_summary *s);
/* {"claim_id", "payer_id", "matching_patterns_count", "matching_patterns": [PatternMatch]} */
char *render_pattern_analysis(const claims_pattern_analysis *a);

/* Episode. */
/* {"remittance_id", "outcome", "episode": Episode?, "candidates": [int]} */
char *render_link_result(const claims_link_result *r);
/* {"remittances", "linked", "already_linked", "ambiguous", "unmatched"} */
char *render_link_summary(const claims_link_summary *s);
/* {"claims_scored", "payer_id" (null for every payer), "risk_levels": {"low", "medium", "high", "critical"}} */
char *render_risk_summary(const claims_risk_summary *s, int64_t payer_id);

/* Route answers (spec/api.md §4.4-§4.5). */
/* POST /remits/{id}/link: {"message": "Episode linking completed", "remittance_id",
 * "episodes_linked": 0|1, "link_result", "candidates": [int], "episodes": [{id, claim_id, status}]} */
char *render_api_remit_link(const claims_link_result *r);
/* POST /episodes/{id}/link: {"message": "Episode linked successfully",
 * "episode": {id, claim_id, remittance_id, status}} */
char *render_api_episode_linked(const claims_episode *e);
/* PATCH status, POST complete: {"message", "episode": {id, status}} */
char *render_api_episode_status(const claims_episode *e, const char *message);

#endif

// The inspector's pages: overview, KPIs, incidents and their review, inspections, hazards.
import { addView } from "../router.js";
import { INSPECTORS } from "./common.js";
import { mountAudit } from "./audit.js";
import { mountHazard, mountHazards } from "./hazards.js";
import { mountIncidents } from "./incidents.js";
import { mountInspection } from "./inspection.js";
import { mountInspections } from "./inspections.js";
import { mountKpis } from "./kpis.js";
import { mountOverview } from "./overview.js";
import { mountReview } from "./review.js";
import "./search_strings.js";
import "./strings.js";

// Safety officers record hazards' fixes; everything else here is the inspectors' (and admin's).
const HAZARD_ROLES = [...INSPECTORS, "facility_officer"];

addView({
  name: "overview",
  pattern: /^#\/overview$/,
  hash: "#/overview",
  roles: INSPECTORS,
  navKey: "inspector.nav.overview",
  homeFor: ["street_inspector", "district_inspector"],
  mount: mountOverview,
});
addView({ name: "kpis", pattern: /^#\/kpis$/, hash: "#/kpis", roles: INSPECTORS, navKey: "inspector.nav.kpis", mount: mountKpis });
addView({
  name: "incidents",
  pattern: /^#\/incidents(?:\?(.*))?$/,
  hash: "#/incidents",
  roles: INSPECTORS,
  navKey: "inspector.nav.incidents",
  mount: mountIncidents,
});
addView({ name: "incident-review", pattern: /^#\/incidents\/(\d+)$/, roles: INSPECTORS, mount: mountReview });
addView({
  name: "inspections",
  pattern: /^#\/inspections$/,
  hash: "#/inspections",
  roles: INSPECTORS,
  navKey: "inspector.nav.inspections",
  mount: mountInspections,
});
addView({ name: "inspection", pattern: /^#\/inspections\/(\d+)$/, roles: INSPECTORS, mount: mountInspection });
addView({
  name: "hazards",
  pattern: /^#\/hazards(?:\?(.*))?$/,
  hash: "#/hazards",
  roles: HAZARD_ROLES,
  navKey: "inspector.nav.hazards",
  mount: mountHazards,
});
addView({ name: "hazard", pattern: /^#\/hazards\/(\d+)$/, roles: HAZARD_ROLES, mount: mountHazard });
addView({ name: "audit", pattern: /^#\/audit$/, hash: "#/audit", roles: INSPECTORS, navKey: "inspector.nav.audit", mount: mountAudit });

// The inspector pages' calls to the HTTP API.
import { ApiError, request } from "../api.js";

// "?a=1&b=x" from the parameters that are set; "" when none is.
export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// A multipart form (evidence uploads): JSON back, errors as ApiError like request().
async function upload(url, form) {
  const response = await fetch(url, { method: "POST", body: form, headers: { Accept: "application/json" } });
  if (response.status === 401) location.reload();
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? response.statusText);
    throw new ApiError(response.status, detail);
  }
  return body;
}

export const inspectorApi = {
  overview: () => request("GET", "/api/overview"),
  facilities: () => request("GET", "/api/facilities"),
  cameras: () => request("GET", "/api/cameras"),
  incidents: (params) => request("GET", `/api/incidents${query(params)}`),
  incident: (id) => request("GET", `/api/incidents/${id}`),
  timeline: (id, windowS) => request("GET", `/api/incidents/${id}/timeline${query({ window_s: windowS })}`),
  event: (id) => request("GET", `/api/events/${id}`),
  audit: (params) => request("GET", `/api/audit${query(params)}`),
  kpis: (params) => request("GET", `/api/kpis${query(params)}`),
  kpiCsvUrl: (params) => `/api/kpis.csv${query(params)}`,
  kpiPdfUrl: (params) => `/api/reports/kpis.pdf${query(params)}`,
  checklists: () => request("GET", "/api/checklists"),
  inspections: (params) => request("GET", `/api/inspections${query(params)}`),
  inspection: (id) => request("GET", `/api/inspections/${id}`),
  startInspection: (body) => request("POST", "/api/inspections", body),
  recordResults: (id, results) => request("PATCH", `/api/inspections/${id}/results`, { results }),
  attachEvent: (id, body) => request("POST", `/api/inspections/${id}/evidence`, body),
  uploadEvidence: (id, form) => upload(`/api/inspections/${id}/evidence/upload`, form),
  completeInspection: (id) => request("POST", `/api/inspections/${id}/complete`),
  hazards: (params) => request("GET", `/api/hazards${query(params)}`),
  hazard: (id) => request("GET", `/api/hazards/${id}`),
  fixHazard: (id, form) => upload(`/api/hazards/${id}/fix`, form),
  verifyHazard: (id, note) => request("POST", `/api/hazards/${id}/verify`, { note: note || null }),
  reopenHazard: (id, note, deadline) => request("POST", `/api/hazards/${id}/reopen`, { note, deadline }),
};

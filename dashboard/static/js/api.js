// Calls to the carewatch HTTP API.

export class ApiError extends Error {
  constructor(status, detail, retryAfterS = null) {
    super(detail);
    this.status = status;
    this.retryAfterS = retryAfterS; // seconds to wait (429, 503), from Retry-After
  }
}

// A JSON request; a 401 (session expired or revoked) reloads the page, which signs in again.
export async function request(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  // A session that expired or was revoked: back to the sign-in form.
  if (response.status === 401 && !url.startsWith("/api/auth/")) location.reload();
  if (!response.ok) {
    const retryAfterS = Number(response.headers.get("Retry-After")) || null;
    throw new ApiError(response.status, await errorDetail(response), retryAfterS);
  }
  return response.status === 204 ? null : response.json();
}

async function errorDetail(response) {
  try {
    const { detail } = await response.json();
    return typeof detail === "string" ? detail : JSON.stringify(detail);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

const cameraPath = (cameraId) => `/api/cameras/${encodeURIComponent(cameraId)}`;
// `overlay` false: without the detections drawn; `width`: scaled down to at most so many pixels.
function streamQuery(overlay, width) {
  const query = new URLSearchParams();
  if (!overlay) query.set("overlay", "0");
  if (width) query.set("width", String(width));
  const text = query.toString();
  return text ? `?${text}` : "";
}

export const api = {
  me: () => request("GET", "/api/auth/me"),
  login: (username, password) => request("POST", "/api/auth/login", { username, password }),
  logout: () => request("POST", "/api/auth/logout"),
  setLocale: (locale) => request("PATCH", "/api/auth/me", { locale }),
  setAlarmSound: (on) => request("PATCH", "/api/auth/me", { alarm_sound: on }),
  facilities: () => request("GET", "/api/facilities"),
  health: () => request("GET", "/api/health"),
  cameras: () => request("GET", "/api/cameras"),
  events: (limit = 100) => request("GET", `/api/events?limit=${limit}`),
  event: (id) => request("GET", `/api/events/${id}`),
  transition: (id, action, note, family = null) =>
    request("POST", `/api/events/${id}/${action}`, { note: note || null, family }),
  incident: (id) => request("GET", `/api/incidents/${id}`),
  // A step on the incident, for the events up to `seenEventId` (the newest the view showed).
  incidentTransition: (id, action, note, family, seenEventId) =>
    request("POST", `/api/incidents/${id}/${action}`, { note: note || null, family, seen_event_id: seenEventId }),
  offer: (cameraId, description, overlay = true, width = null) =>
    request("POST", `${cameraPath(cameraId)}/webrtc${streamQuery(overlay, width)}`, {
      sdp: description.sdp,
      type: description.type,
    }),
  mjpegUrl: (cameraId, overlay = true, width = null) =>
    `${cameraPath(cameraId)}/mjpeg${streamQuery(overlay, width)}`,
};

// Calls to the carewatch HTTP API.

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
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
  if (!response.ok) throw new ApiError(response.status, await errorDetail(response));
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

export const api = {
  me: () => request("GET", "/api/auth/me"),
  login: (username, password) => request("POST", "/api/auth/login", { username, password }),
  logout: () => request("POST", "/api/auth/logout"),
  setLocale: (locale) => request("PATCH", "/api/auth/me", { locale }),
  facilities: () => request("GET", "/api/facilities"),
  cameras: () => request("GET", "/api/cameras"),
  events: (limit = 100) => request("GET", `/api/events?limit=${limit}`),
  event: (id) => request("GET", `/api/events/${id}`),
  transition: (id, action, note, family = null) =>
    request("POST", `/api/events/${id}/${action}`, { note: note || null, family }),
  offer: (cameraId, description) =>
    request("POST", `${cameraPath(cameraId)}/webrtc`, {
      sdp: description.sdp,
      type: description.type,
    }),
  mjpegUrl: (cameraId) => `${cameraPath(cameraId)}/mjpeg`,
};

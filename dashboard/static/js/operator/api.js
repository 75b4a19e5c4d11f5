// Calls to the operator's camera API.
import { ApiError, request } from "../api.js";

const CAMERA_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/; // a half-typed new id is left out
const path = (cameraId) => `/api/cameras/${encodeURIComponent(cameraId)}`;

async function failure(response) {
  try {
    const { detail } = await response.json();
    return new ApiError(response.status, typeof detail === "string" ? detail : JSON.stringify(detail));
  } catch {
    return new ApiError(response.status, `${response.status} ${response.statusText}`);
  }
}

export const operatorApi = {
  schema: () => request("GET", "/api/camera-schema"),
  cameras: () => request("GET", "/api/cameras"),
  facilities: () => request("GET", "/api/facilities"),
  config: (cameraId) => request("GET", `${path(cameraId)}/config`),
  versions: (cameraId) => request("GET", `${path(cameraId)}/config/versions`),
  save: (cameraId, config, baseVersion, note) =>
    request("PUT", `${path(cameraId)}/config`, { config, base_version: baseVersion, note: note || null }),
  add: (config, note) => request("POST", "/api/cameras", { config, note: note || null }),
  rollback: (cameraId, version, note) =>
    request("POST", `${path(cameraId)}/config/rollback`, { version, note: note || null }),
  replay: (cameraId, config) => request("POST", `${path(cameraId)}/replay`, { config }),
  snapshotUrl: (cameraId) => `${path(cameraId)}/snapshot.jpg?at=${Date.now()}`,
  // One JPEG from a source that is not saved yet, as a Blob; ApiError says why not. The camera
  // id (the one edited or added, if it has one yet) goes into the audit log.
  async testSource(source, cameraId) {
    const response = await fetch("/api/cameras/test", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "image/jpeg, application/json" },
      body: JSON.stringify({ source, camera_id: CAMERA_ID.test(cameraId ?? "") ? cameraId : null }),
    });
    if (!response.ok) throw await failure(response);
    return response.blob();
  },
};

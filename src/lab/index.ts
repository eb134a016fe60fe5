// Public API of the lab: real local Kubernetes + istiod control planes for tests, rehearsals and benchmarks.
export { LAB_BINARIES, LAB_SOURCE_DIR, ensureLabBinaries, findLabBinaries, labCacheDir } from './binaries.js';
export type { LabBinaries, LabBinary } from './binaries.js';
export { killLabNow, openLab, startLab, stopLab } from './lab.js';
export type { Lab, LabStep, StartLabOptions, StopOptions, StopReport } from './lab.js';
export type { LabRevisions } from './lab-revisions.js';
export type { IstiodCaMode } from './lab-ca.js';
export { labStatus } from './status.js';
export type { ComponentStatus, LabStatus } from './status.js';
export type { IstiodPorts, LabCluster, LabIstiod, LabMeshCa, LabPrometheus, LabState } from './state.js';
export { labPrometheus, labTrafficTargetsDir, startLabPrometheus } from './lab-prometheus.js';
export { labTrafficRunsDir, registerLabTrafficRun, stopLabTrafficRuns } from './lab-traffic-runs.js';
export type { LabTrafficRun } from './lab-traffic-runs.js';
export { processesMentioning } from './process.js';
export { startLabIstiod, stopLabIstiod } from './istiod-control.js';
export type { IstiodControlOptions, IstiodControlReport } from './istiod-control.js';
export { startApiServer, stopApiServer } from './apiserver-control.js';
export type { ApiServerControlOptions, ApiServerControlReport, LabRef } from './apiserver-control.js';

// `meshferry lab traffic SHIFTFILE` (placeholder until the shift loader and routers are merged).
import type { Command } from 'commander';
/** Registers `lab traffic`. */
export function registerLabTraffic(_lab: Command): void {}

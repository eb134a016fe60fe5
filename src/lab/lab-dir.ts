// The lab folder: created 0700 by meshferry, or else accepted only when it is the user's own and closed to others.
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, isErrnoException } from '../errors.js';
import { isRunning } from './process.js';
import { readLabState } from './state.js';

/** One "does it exist" for the whole project (resources/atomic-write.ts); the lab's callers import it from here. */
export { pathExists } from '../resources/atomic-write.js';

/**
 * Makes `dir` ready for a new lab. The folder will hold the lab CA's key and bearer tokens for every API server,
 * so a folder that already exists must be a real directory (not a symlink), owned by the user and mode 0700:
 * a folder someone else created or can write to could be read, or have files planted in it. A running lab or a
 * non-empty folder without a lab is refused; a stopped lab is cleared.
 */
export async function prepareLabDir(dir: string, opts: { uid?: number } = {}): Promise<void> {
  const uid = opts.uid ?? process.getuid?.();
  const st = await lstat(dir).catch((err: unknown) => {
    if (isErrnoException(err) && err.code === 'ENOENT') return undefined;
    throw new UsageError(`cannot use ${dir} for the lab: ${isErrnoException(err) ? err.code : String(err)}`, err);
  });
  if (st) {
    if (st.isSymbolicLink()) throw new UsageError(`${dir} is a symbolic link; give --dir a real folder (the lab keeps keys and tokens there)`);
    if (!st.isDirectory()) throw new UsageError(`${dir} exists and is not a folder; choose an empty or new folder for --dir`);
    if (uid !== undefined && st.uid !== uid) throw new UsageError(`${dir} is owned by uid ${st.uid}, not by you (uid ${uid}); the lab keeps keys and tokens there, so use a folder of your own`);
    const mode = st.mode & 0o777;
    if (mode !== 0o700)
      throw new UsageError(
        `${dir} has mode 0${mode.toString(8)}, so others can read or write it; the lab keeps keys and tokens there: \`chmod 0700 ${dir}\` or let meshferry create a new folder`,
      );
    const old = await readLabState(dir).catch(() => undefined);
    if (old) {
      const live = old.processes.filter(isRunning);
      if (live.length > 0)
        throw new UsageError(`a lab is already running in ${dir} (${live.length} processes); stop it first with \`meshferry lab down --dir ${dir}\``);
      // Clear the stopped lab's contents but keep the checked folder itself.
      await Promise.all((await readdir(dir)).map((e) => rm(path.join(dir, e), { recursive: true, force: true })));
      return;
    }
    if ((await readdir(dir)).length > 0) throw new UsageError(`${dir} is not empty and holds no lab; choose an empty or new folder for --dir`);
    return;
  }
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    // Not recursive: if someone creates the folder between the check above and here, this fails instead of using it.
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if (isErrnoException(err) && err.code === 'EEXIST') return prepareLabDir(dir, opts);
    throw new UsageError(`cannot create the lab folder ${dir}: ${isErrnoException(err) ? err.code : String(err)}`, err);
  }
  await chmod(dir, 0o700);
}

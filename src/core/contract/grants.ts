import type { AppError } from '../../shared/result';

/**
 * The error a verb answers for a path outside the folders the user opened: PERMISSION_DENIED,
 * with the path and the folder that would grant it. The renderer offers to open that folder (the
 * user's act) and retries; nothing else grants a folder.
 */
export interface NotGrantedDetails {
  path: string;
  /** The folder to grant (`folders.grant`, or open: `folders.open`) for the path to become readable. */
  grant: string;
}

export const notGrantedMessage = (path: string): string => `${path} is not inside a folder you opened`;

/** The folder to open for an error that says a path is not granted, else null. */
export function folderToGrant(error: AppError): string | null {
  if (error.code !== 'PERMISSION_DENIED') return null;
  const grant = error.details?.grant;
  return typeof grant === 'string' && grant ? grant : null;
}

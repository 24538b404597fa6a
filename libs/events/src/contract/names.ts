// The one name pattern of the mesh. Imports nothing, so the generator (plain Node) can load it too.

/** Services, queue keys and topics: lower-case letters, digits and dashes, starting with a letter. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/** The pattern in words, for error messages. */
export const NAME_RULE = 'lower-case letters, digits and dashes, starting with a letter';

/** Every stack of one environment is named `GameMesh-<prefix>-<part>`: messaging, platform, ci, or an app's name. */
export const stackName = (prefix: string, part: string) => `GameMesh-${prefix}-${part}`;

/** The parts of a V8 `.cpuprofile` (from `node --cpu-prof`) the profile readers use. */
export interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

export interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time in microseconds per node id, idle time left out. */
export function selfTimes(profile: Profile): Map<ProfileNode, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const times = new Map<ProfileNode, number>();
  profile.samples.forEach((id, index) => {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    times.set(node, (times.get(node) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  return times;
}

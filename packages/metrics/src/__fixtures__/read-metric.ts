import type { Registry } from 'prom-client';

/** One sample of a metric: its series name (with `_bucket`/`_sum`/`_count`), labels and value. */
export interface Sample {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/** Every sample of the metric `name` on `registry`, after its collect hook ran. */
export async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.map((value) => ({
    metricName: (value as { metricName?: string }).metricName ?? name,
    labels: value.labels as Record<string, string | number>,
    value: value.value,
  }));
}

/** The value of the one sample of `name` (or `name_suffix`) whose labels include `labels`. */
export async function sampleValue(
  registry: Registry,
  name: string,
  labels: Record<string, string | number> = {},
  suffix = '',
): Promise<number | undefined> {
  const matches = (await samples(registry, name)).filter(
    (sample) =>
      sample.metricName === name + suffix &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name}${suffix} match`);
  return matches[0]?.value;
}

/**
 * Builds Grafana dashboards in the classic JSON model from short panel descriptions: the
 * datasource variable, layout, field config and panel options every Breakwater dashboard shares.
 */

/** The datasource every panel and target points at: the dashboard's template variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, not a JS template.
const datasource = { type: 'prometheus', uid: '${datasource}' } as const;

/** One query of a panel. */
export interface Target {
  readonly expr: string;
  readonly legend?: string;
  /** Table and stat panels read one value per series. */
  readonly instant?: boolean;
}

/** A panel as the dashboards describe it; {@link dashboard} lays it out. */
export interface PanelSpec {
  readonly type: 'timeseries' | 'stat' | 'gauge' | 'piechart' | 'table';
  readonly title: string;
  readonly description: string;
  readonly targets: readonly Target[];
  readonly unit: string;
  readonly w: number;
  readonly h: number;
  /** Threshold steps after the base color, as [value, color]. */
  readonly thresholds?: ReadonlyArray<readonly [number, string]>;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
}

/** One Grafana panel in the classic JSON model. */
export interface GrafanaPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description: string;
  readonly datasource: typeof datasource;
  readonly targets: ReadonlyArray<{ refId: string; expr: string; legendFormat: string }>;
  readonly [key: string]: unknown;
}

/** A dashboard in Grafana's classic JSON model, importable and file-provisionable. */
export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly refresh: string;
  readonly panels: readonly GrafanaPanel[];
  readonly [key: string]: unknown;
}

function panelOptions(spec: PanelSpec): Record<string, unknown> {
  const reduce = { calcs: ['lastNotNull'], fields: '', values: false };
  switch (spec.type) {
    case 'timeseries':
      return {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
        tooltip: { mode: 'multi', sort: 'desc' },
      };
    case 'stat':
      return {
        reduceOptions: reduce,
        colorMode: spec.thresholds ? 'background' : 'value',
        graphMode: 'area',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'auto',
      };
    case 'gauge':
      return { reduceOptions: reduce, showThresholdLabels: false, showThresholdMarkers: true };
    case 'piechart':
      return {
        reduceOptions: reduce,
        pieType: 'donut',
        displayLabels: ['name', 'percent'],
        legend: { displayMode: 'table', placement: 'right', showLegend: true, values: ['value'] },
        tooltip: { mode: 'single', sort: 'none' },
      };
    case 'table':
      return { showHeader: true, cellHeight: 'sm', footer: { show: false, reducer: ['sum'] } };
  }
}

function layout(specs: readonly PanelSpec[]): GrafanaPanel[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((spec, index) => {
    if (x + spec.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { h: spec.h, w: spec.w, x, y };
    x += spec.w;
    rowHeight = Math.max(rowHeight, spec.h);
    const steps = [
      { color: 'green', value: null },
      ...(spec.thresholds ?? []).map(([value, color]) => ({ color, value })),
    ];
    return {
      id: index + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      datasource,
      gridPos,
      fieldConfig: {
        defaults: {
          unit: spec.unit,
          ...(spec.min === undefined ? {} : { min: spec.min }),
          ...(spec.max === undefined ? {} : { max: spec.max }),
          ...(spec.decimals === undefined ? {} : { decimals: spec.decimals }),
          color: { mode: spec.thresholds ? 'thresholds' : 'palette-classic' },
          thresholds: { mode: 'absolute', steps },
          ...(spec.type === 'timeseries'
            ? { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' } }
            : {}),
        },
        overrides: [],
      },
      options: panelOptions(spec),
      ...(spec.type === 'table'
        ? {
            transformations: [
              { id: 'merge', options: {} },
              { id: 'organize', options: { excludeByName: { Time: true } } },
            ],
          }
        : {}),
      targets: spec.targets.map((target, targetIndex) => ({
        refId: String.fromCharCode(65 + targetIndex),
        datasource,
        expr: target.expr,
        legendFormat: target.legend ?? '__auto',
        range: !target.instant,
        instant: target.instant ?? false,
        ...(spec.type === 'table' ? { format: 'table' } : {}),
      })),
    };
  });
}

/** A dashboard in Grafana's classic JSON model, its panels laid out left to right, row by row. */
export function dashboard(options: {
  uid: string;
  title: string;
  description: string;
  refresh: string;
  from: string;
  panels: readonly PanelSpec[];
}): GrafanaDashboard {
  return {
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      ...[...new Set(options.panels.map((panel) => panel.type))]
        .sort()
        .map((type) => ({ type: 'panel', id: type, name: type, version: '' })),
    ],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description: options.description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: [],
    panels: layout(options.panels),
    refresh: options.refresh,
    schemaVersion: 39,
    tags: ['breakwater', 'llm'],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          includeAll: false,
          multi: false,
          options: [],
          refresh: 1,
          regex: '',
          skipUrlSync: false,
        },
      ],
    },
    time: { from: options.from, to: 'now' },
    timepicker: {},
    timezone: 'browser',
    title: options.title,
    uid: options.uid,
    version: 1,
    weekStart: '',
  };
}

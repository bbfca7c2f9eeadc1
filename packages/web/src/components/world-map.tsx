// World map from world-atlas countries-110m (bundled; no tile server): countries with vantage points
// are shaded, lagging ones highlighted. Equirectangular projection; the paths are built once per page.
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import { numericCountry } from '../shape/countries.js';

const W = 960;
const H = 440;
const LAT_TOP = 84;
const LAT_BOTTOM = -60; // Antarctica is cut: no vantage points there

interface CountryPath { id: string; name: string; d: string }

let paths: CountryPath[] | null = null;

function ring(coords: number[][]): string {
  let d = '';
  let lon0 = 0;
  for (let i = 0; i < coords.length; i++) {
    const c = coords[i] as number[];
    const lon = c[0] as number;
    const x = ((lon + 180) / 360) * W;
    const y = ((LAT_TOP - Math.max(LAT_BOTTOM, Math.min(LAT_TOP, c[1] as number))) / (LAT_TOP - LAT_BOTTOM)) * H;
    // a ring crossing the antimeridian (Russia, Fiji) jumps across the map: lift the pen instead
    d += `${i === 0 || Math.abs(lon - lon0) > 180 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    lon0 = lon;
  }
  return `${d}Z`;
}

function countryPaths(): CountryPath[] {
  if (paths !== null) return paths;
  const topo = countries110m as unknown as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  const fc = feature(topo, topo.objects.countries);
  const out: CountryPath[] = [];
  for (const f of fc.features) {
    const g = f.geometry;
    if (g === null || f.id === undefined) continue;
    let d = '';
    if (g.type === 'Polygon') for (const r of g.coordinates) d += ring(r);
    else if (g.type === 'MultiPolygon') for (const p of g.coordinates) for (const r of p) d += ring(r);
    if (d !== '') out.push({ id: String(f.id), name: f.properties?.name ?? '', d });
  }
  paths = out;
  return out;
}

export interface MapCountry {
  /** ISO 3166-1 alpha-2. */
  country: string;
  lagging: boolean;
  vantages: number;
}

export function WorldMap({ countries, label }: { countries: readonly MapCountry[]; label: string }) {
  const byId = new Map<string, MapCountry>();
  const unmapped: string[] = [];
  for (const c of countries) {
    const id = numericCountry(c.country);
    if (id === null) unmapped.push(c.country);
    else byId.set(id, c);
  }
  return (
    <figure class="map">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
        {countryPaths().map((p) => {
          const c = byId.get(p.id);
          const cls = c === undefined ? 'land' : c.lagging ? 'land lagging' : 'land seen';
          return <path key={p.id} d={p.d} class={cls}>{c !== undefined && <title>{`${p.name}: ${c.vantages} vantage point(s)${c.lagging ? ', lagging' : ''}`}</title>}</path>;
        })}
      </svg>
      <figcaption>
        <span class="swatch seen" /> vantage points in step <span class="swatch lagging" /> lagging region
        {unmapped.length > 0 && ` · not on the map: ${unmapped.join(', ')}`}
      </figcaption>
    </figure>
  );
}

/**
 * The distribution functions the statistics need, from @stdlib (well kept, exact to double precision, typed): the
 * one place they are imported, so a change of library touches one file.
 */
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import betaPdf from '@stdlib/stats-base-dists-beta-pdf';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import hypergeometricPmf from '@stdlib/stats-base-dists-hypergeometric-pmf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import betaln from '@stdlib/math-base-special-betaln';

export { betaCdf, betaPdf, chisquareCdf, hypergeometricPmf, betaln };

/** Standard normal quantile. */
export const zQuantile = (p: number): number => normalQuantile(p, 0, 1);
/** Standard normal CDF. */
export const zCdf = (x: number): number => normalCdf(x, 0, 1);

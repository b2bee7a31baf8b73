/** One reason a change cannot go over REST. */
export interface RestProblem {
  /** Dotted path in the change format, e.g. `typeAttributes.0.attributes.Id`. */
  field: string;
  reason: string;
}

/**
 * A number for each schema object, for keying by schema cheaply: schemas are never mutated (a
 * grown schema is a new object), so one object keeps its number and a new one gets a new number.
 */
import type { SourceSchema } from '../events/model.ts';

export class SchemaNumbers {
  private readonly numbers = new WeakMap<SourceSchema, number>();
  private next = 0;

  of(schema: SourceSchema): number {
    let number = this.numbers.get(schema);
    if (number === undefined) {
      number = this.next++;
      this.numbers.set(schema, number);
    }
    return number;
  }
}

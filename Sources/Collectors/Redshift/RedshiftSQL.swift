/// What every Redshift collector's SQL shares.
enum RedshiftSQL {
    /// Starts every statement the exporter sends: Redshift records the exporter's polling like any
    /// query, with no application name to tell it by, and this is how it is recognised and left out.
    static let ownAnnotation = #"/* {"app":"warehouse_exporter"} */"#
}

// Imports every Erasure notebook and script gets besides the API's own packages (those are
// listed from the API jar at start, so new packages appear without editing this file).
// Single-type imports from java.awt: "import java.awt.*" would make List ambiguous.
import java.awt.image.BufferedImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.BasicStroke;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.*;
import javax.imageio.ImageIO;
import org.knowm.xchart.*;
import org.knowm.xchart.style.*;
import tech.tablesaw.api.*;
import ai.djl.Device;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
